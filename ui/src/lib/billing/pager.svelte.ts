// A keyset-paged list as runes: the rows of the page shown, the cursors of
// the pages before it (for "previous"), loading and error states.
import type { Page } from '$bindings/Page';
import { errorText } from './labels';

export class Pager<T> {
  items: T[] = $state([]);
  loading = $state(false);
  error: string | null = $state(null);
  /** Whether the first page has arrived (to tell "empty" from "not yet"). */
  loaded = $state(false);
  #next: string | null = $state(null);
  #cursors: (string | null)[] = $state([]);
  #after: string | null = null;
  #fetch: (after: string | null) => Promise<Page<T>>;
  #seq = 0;

  constructor(fetch: (after: string | null) => Promise<Page<T>>) {
    this.#fetch = fetch;
  }

  get hasNext() {
    return this.#next !== null;
  }
  get hasPrev() {
    return this.#cursors.length > 0;
  }
  /** 1-based number of the page shown. */
  get page() {
    return this.#cursors.length + 1;
  }

  async #load(after: string | null) {
    const seq = ++this.#seq;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetch(after);
      // A slower, older request must not overwrite a newer one.
      if (seq !== this.#seq) return;
      this.items = page.items;
      this.#next = page.next ?? null;
      this.#after = after;
      this.loaded = true;
    } catch (e) {
      if (seq === this.#seq) this.error = errorText(e);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** The first page (after a filter changed). */
  first() {
    this.#cursors = [];
    return this.#load(null);
  }
  /** The page shown, again (after a write). */
  reload() {
    return this.#load(this.#after);
  }
  next() {
    if (this.#next === null) return;
    this.#cursors = [...this.#cursors, this.#after];
    return this.#load(this.#next);
  }
  prev() {
    if (!this.#cursors.length) return;
    const after = this.#cursors[this.#cursors.length - 1] ?? null;
    this.#cursors = this.#cursors.slice(0, -1);
    return this.#load(after);
  }
}
