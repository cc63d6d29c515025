// The idle lock's timer: after `minutes` without input (keys, pointer,
// wheel, touch) it calls `onIdle` once. Input restarts the count. Pure DOM
// and timers, so a test drives it with fake timers and dispatched events.

export const IDLE_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

export interface IdleTimer {
  /** Restarts the count (what every input event does). */
  reset(): void;
  /** Stops listening; `onIdle` is not called afterwards. */
  stop(): void;
}

export function startIdleTimer(
  minutes: number,
  onIdle: () => void,
  target: EventTarget = window,
): IdleTimer {
  // A setting outside its range (the core stores 1..480) must not lock at once.
  const ms = Math.max(1, Number.isFinite(minutes) ? minutes : 15) * 60_000;
  let handle: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const fire = () => {
    if (stopped) return;
    stop();
    onIdle();
  };
  const reset = () => {
    if (stopped) return;
    if (handle !== undefined) clearTimeout(handle);
    handle = setTimeout(fire, ms);
  };
  const stop = () => {
    stopped = true;
    if (handle !== undefined) clearTimeout(handle);
    for (const e of IDLE_EVENTS) target.removeEventListener(e, reset);
  };
  for (const e of IDLE_EVENTS) target.addEventListener(e, reset, { passive: true });
  reset();
  return { reset, stop };
}
