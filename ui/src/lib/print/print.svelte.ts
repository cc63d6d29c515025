// What the system print dialog prints: one document (an invoice or a
// payment's receipt) in one layout (A4, or a 58 mm thermal roll). The
// document is rendered into a print-only element at the end of <body>
// (PrintRoot); the app itself is hidden from paper by print.css.
import type { Invoice } from '$bindings/Invoice';
import type { Payment } from '$bindings/Payment';
import { tick } from 'svelte';

export type PrintDoc = { kind: 'invoice'; invoice: Invoice } | { kind: 'receipt'; payment: Payment };
export type Layout = 'a4' | 'thermal';

export const printing = $state<{ doc: PrintDoc | null; layout: Layout }>({ doc: null, layout: 'a4' });

/** The paper's own rule for a layout: A4 with margins, or a roll 58 mm wide
 * and as long as the receipt (`heightMm`), so the printer feeds no blank paper. */
export function pageRule(layout: Layout, heightMm: number): string {
  if (layout === 'a4') return '@page { size: A4 portrait; margin: 15mm; }';
  return `@page { size: 58mm ${Math.max(40, Math.ceil(heightMm) + 6)}mm; margin: 0; }`;
}

const PX_PER_MM = 96 / 25.4;

/** The print copy's height in px: it is hidden on screen (no height), so it
 * is laid out off screen for a moment to be measured. */
function measure(root: HTMLElement): number {
  const saved = root.getAttribute('style');
  root.setAttribute('style', 'display:block;position:absolute;left:-10000px;top:0;visibility:hidden');
  const height = root.scrollHeight;
  if (saved === null) root.removeAttribute('style');
  else root.setAttribute('style', saved);
  return height;
}

/** Renders `doc` in `layout` and opens the system print dialog. */
export async function printDocument(doc: PrintDoc, layout: Layout) {
  printing.doc = doc;
  printing.layout = layout;
  await tick();
  const root = document.querySelector<HTMLElement>('.print-root');
  const height = root ? measure(root) / PX_PER_MM : 0;
  // The @page rule depends on the receipt's length, so it is set per print
  // (CSS, not markup) and taken away when the dialog closes.
  const style = document.createElement('style');
  style.dataset.print = layout;
  style.textContent = pageRule(layout, height);
  document.head.append(style);
  const done = () => {
    style.remove();
    window.removeEventListener('afterprint', done);
  };
  window.addEventListener('afterprint', done);
  try {
    window.print();
  } finally {
    // WebKit's print() returns once the dialog is done; a browser that
    // returns at once still fires afterprint.
    setTimeout(done, 60_000);
  }
}
