// Search as you type: hold the keystrokes typed while a search runs (only
// the newest is sent next), and show only the answer to the latest question.
// A slow answer to an earlier keystroke that arrives after a newer one would
// otherwise overwrite it.

/**
 * Runs `run(arg)` at once when nothing runs; an `arg` pushed while it runs
 * waits, and only the newest one: it runs when the current run ends. Typing
 * is then answered at the speed of the answers (a local search takes
 * milliseconds), never with more than one search in flight, and without a
 * fixed wait that every keystroke would pay.
 */
export function coalesce<A>(run: (arg: A) => Promise<void>) {
  let running = false;
  let waiting: { arg: A } | null = null;
  async function start(arg: A) {
    running = true;
    try {
      await run(arg);
    } catch {
      // `run` shows its own failures (the list's error state); one failed
      // run must not keep the waiting keystroke from being answered.
    } finally {
      running = false;
      const next = waiting;
      waiting = null;
      if (next) void start(next.arg);
    }
  }
  return {
    push(arg: A) {
      if (running) waiting = { arg };
      else void start(arg);
    },
    /** Forgets the waiting argument (the screen is leaving). */
    cancel() {
      waiting = null;
    },
  };
}

export type Answer<T> = { stale: true } | { stale: false; value: T };

/** Numbers each request; an answer is `stale` once a newer request began. */
export function latest() {
  let last = 0;
  return {
    async run<T>(request: () => Promise<T>): Promise<Answer<T>> {
      const mine = ++last;
      let value: T;
      try {
        value = await request();
      } catch (e) {
        // A failure of a question nobody waits for any more is not shown either.
        if (mine !== last) return { stale: true };
        throw e;
      }
      return mine === last ? { stale: false, value } : { stale: true };
    },
    /** Makes every answer still on its way stale (the screen is leaving). */
    drop() {
      last++;
    },
  };
}
