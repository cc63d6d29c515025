import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startIdleTimer } from './idle';

describe('the idle lock timer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once after the minutes without input', () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    startIdleTimer(15, onIdle, target);
    vi.advanceTimersByTime(15 * 60_000 - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60 * 60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('restarts the count on each key, click or move', () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    startIdleTimer(1, onIdle, target);
    for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel']) {
      vi.advanceTimersByTime(50_000);
      target.dispatchEvent(new Event(type));
    }
    vi.advanceTimersByTime(59_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('does nothing once stopped (signed out, or the minutes changed)', () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    const timer = startIdleTimer(1, onIdle, target);
    timer.stop();
    target.dispatchEvent(new Event('keydown'));
    vi.advanceTimersByTime(10 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('never locks at once on a bad setting', () => {
    const onIdle = vi.fn();
    startIdleTimer(Number.NaN, onIdle, new EventTarget());
    vi.advanceTimersByTime(14 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
});
