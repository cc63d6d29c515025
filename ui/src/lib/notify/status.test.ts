import { describe, expect, it } from 'vitest';
import { actions, statusLabel, statuses } from './status';

describe('outbox actions', () => {
  it('offers resend or mark sent for an unknown message, cancel for a waiting one', () => {
    expect(actions('unknown')).toEqual({ retry: true, cancel: false, markSent: true });
    expect(actions('queued')).toEqual({ retry: false, cancel: true, markSent: false });
    expect(actions('paused').cancel).toBe(true);
    expect(actions('sent')).toEqual({ retry: false, cancel: false, markSent: false });
    expect(actions('failed').retry).toBe(true);
  });
  it('names every status', () => {
    for (const s of statuses) expect(statusLabel[s]().length).toBeGreaterThan(0);
  });
});
