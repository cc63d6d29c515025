// Helpers the component tests share.
import { fireEvent, screen } from '@testing-library/svelte';

/** Types `value` into the input `testid` as a user does (one input event). */
export function type(testid: string, value: string) {
  const input = screen.getByTestId(testid) as HTMLInputElement;
  input.value = value;
  return fireEvent.input(input);
}
