// Search as you type: wait for a pause in the typing (debounce), and show
// only the answer to the latest question. A slow answer to an earlier
// keystroke that arrives after a newer one would otherwise overwrite it.

/** `fn` called `ms` after the last call; `cancel` drops a pending call, `now` runs it at once. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: A | undefined;
  const fire = () => {
    timer = undefined;
    const args = pending;
    pending = undefined;
    if (args) fn(...args);
  };
  return {
    call(...args: A) {
      pending = args;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(fire, ms);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
    now() {
      if (timer !== undefined) clearTimeout(timer);
      fire();
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
