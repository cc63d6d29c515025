import { describe, expect, it } from 'vitest';
import { formatPhone } from './phone';

describe('formatPhone', () => {
  it.each([
    ['+6281234567890', '+62 812-3456-7890'],
    ['+628123456789', '+62 812-3456-789'],
    ['+62215551234', '+62215551234'],
    ['+60123456789', '+60123456789'],
    ['+62812', '+62812'],
  ])('%s reads %s', (stored, shown) => expect(formatPhone(stored)).toBe(shown));
});
