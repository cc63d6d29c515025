import { describe, expect, it } from 'vitest';
import { pageRule } from './print.svelte';

describe('the paper rule of a layout', () => {
  it('prints A4 with margins', () => expect(pageRule('a4', 0)).toBe('@page { size: A4 portrait; margin: 15mm; }'));
  it('cuts a 58 mm roll as long as the receipt, plus a margin', () => {
    expect(pageRule('thermal', 120.2)).toBe('@page { size: 58mm 127mm; margin: 0; }');
  });
  it('never asks for a sliver of paper', () => expect(pageRule('thermal', 3)).toBe('@page { size: 58mm 40mm; margin: 0; }'));
});
