import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce, latest } from './latest';

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once, with the last arguments, after a pause', () => {
    const seen: string[] = [];
    const d = debounce((s: string) => seen.push(s), 150);
    d.call('b');
    vi.advanceTimersByTime(100);
    d.call('bu');
    vi.advanceTimersByTime(100);
    d.call('bud');
    vi.advanceTimersByTime(149);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual(['bud']);
  });

  it('drops a pending call on cancel and runs it at once on now', () => {
    const seen: string[] = [];
    const d = debounce((s: string) => seen.push(s), 150);
    d.call('x');
    d.cancel();
    vi.advanceTimersByTime(500);
    expect(seen).toEqual([]);
    d.call('y');
    d.now();
    expect(seen).toEqual(['y']);
    vi.advanceTimersByTime(500);
    expect(seen).toEqual(['y']);
  });
});

describe('latest', () => {
  function later<T>(value: T) {
    let resolve!: () => void;
    const p = new Promise<T>((r) => (resolve = () => r(value)));
    return { p, resolve };
  }

  it('marks an earlier answer that arrives last as stale', async () => {
    const asked = latest();
    const slow = later('b');
    const fast = later('bu');
    const first = asked.run(() => slow.p);
    const second = asked.run(() => fast.p);
    fast.resolve();
    expect(await second).toEqual({ stale: false, value: 'bu' });
    slow.resolve();
    expect(await first).toEqual({ stale: true });
  });

  it('makes answers on their way stale on drop', async () => {
    const asked = latest();
    const one = later(1);
    const answer = asked.run(() => one.p);
    asked.drop();
    one.resolve();
    expect(await answer).toEqual({ stale: true });
  });

  it('drops the failure of a stale request and passes the current one on', async () => {
    const asked = latest();
    let fail!: () => void;
    const old = asked.run(() => new Promise((_, reject) => (fail = () => reject(new Error('old')))));
    const now = asked.run(() => Promise.reject(new Error('now')));
    await expect(now).rejects.toThrow('now');
    fail();
    expect(await old).toEqual({ stale: true });
  });
});
