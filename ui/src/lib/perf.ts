// Timings the speed benchmark (make bench-app) reads over WebDriver: measured
// inside the page, from the user's action to the rendered result.
type Perf = { firstPage: number | null; search: number[]; detail: number[]; list: number[] };

declare global {
  interface Window {
    __pelangganPerf: Perf;
  }
}

const perf: Perf = (window.__pelangganPerf ??= { firstPage: null, search: [], detail: [], list: [] });

/** Records how long since `start` (a `performance.now()`) under `kind`. */
export function record(kind: 'search' | 'detail' | 'list', start: number) {
  perf[kind].push(performance.now() - start);
}

/** The first list page is on screen: the time since the app started. */
export function firstPage() {
  perf.firstPage ??= performance.now();
}
