import { describe, expect, it, vi } from 'vitest';
import { coalesce, latest } from './latest';

describe('coalesce', () => {
  it('runs at once when idle, and only the newest of what came meanwhile', async () => {
    const ran: string[] = [];
    const ends: (() => void)[] = [];
    const c = coalesce((arg: string) => {
      ran.push(arg);
      return new Promise<void>((r) => ends.push(r));
    });
    c.push('b');
    expect(ran).toEqual(['b']);
    c.push('bu');
    c.push('bud');
    expect(ran).toEqual(['b']);
    ends[0]?.();
    await vi.waitFor(() => expect(ran).toEqual(['b', 'bud']));
    ends[1]?.();
    await Promise.resolve();
    c.push('budi');
    await vi.waitFor(() => expect(ran).toEqual(['b', 'bud', 'budi']));
  });

  it('goes on after a failed run, and forgets what waits on cancel', async () => {
    const ran: string[] = [];
    let fail!: () => void;
    const c = coalesce((arg: string) => {
      ran.push(arg);
      return arg === 'x' ? new Promise<void>((_, reject) => (fail = () => reject(new Error('x')))) : Promise.resolve();
    });
    c.push('x');
    c.push('y');
    c.cancel();
    c.push('z');
    fail();
    await vi.waitFor(() => expect(ran).toEqual(['x', 'z']));
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
