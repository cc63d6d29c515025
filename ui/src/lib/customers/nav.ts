// What the list hands to the customer's page: when the row was clicked, so
// the page can record how long it took to show (perf.ts, `detail`).
export const opening = { id: '', start: 0 };

export function markOpening(id: string) {
  opening.id = id;
  opening.start = performance.now();
}
