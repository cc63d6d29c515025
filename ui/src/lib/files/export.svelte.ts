// The export section's state: the list's filters, the file and its form
// (Excel or plain CSV), the running export's progress and the result.
import type { BalanceKind } from '$bindings/BalanceKind';
import type { CustomerStatus } from '$bindings/CustomerStatus';
import type { ExportSummary } from '$bindings/ExportSummary';
import type { Filter } from '$bindings/Filter';
import type { Progress } from '$bindings/Progress';
import { AppError, cancelJob, exportCustomers, exportLedger } from '$lib/api';

export type ExportWhat = 'customers' | 'ledger';

/** Tags typed as `vip, rt 05`: each name once, blanks dropped. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag && !seen.has(tag.toLowerCase())) {
      seen.add(tag.toLowerCase());
      tags.push(tag);
    }
  }
  return tags;
}

/** The list's filter from the section's fields (empty fields filter nothing). */
export function buildFilter(f: {
  search: string;
  status: CustomerStatus | '';
  balance: BalanceKind | '';
  tags: string;
  allTags: boolean;
}): Filter {
  const tags = parseTags(f.tags);
  const filter: Filter = {
    include_deleted: false,
    tags_any: f.allTags ? [] : tags,
    tags_all: f.allTags ? tags : [],
  };
  if (f.search.trim()) filter.search = f.search.trim();
  if (f.status) filter.status = f.status;
  if (f.balance) filter.balance = f.balance;
  return filter;
}

let jobs = 0;

export class Exporter {
  what: ExportWhat = $state('customers');
  search = $state('');
  status: CustomerStatus | '' = $state('');
  balance: BalanceKind | '' = $state('');
  tags = $state('');
  allTags = $state(false);
  from = $state('');
  to = $state('');
  path = $state('');
  excel = $state(true);
  replace = $state(false);
  running = $state(false);
  progress: Progress | null = $state(null);
  result: ExportSummary | null = $state(null);
  error: AppError | null = $state(null);
  cancelled = $state(false);
  private job: string | null = null;

  async run() {
    if (this.running || !this.path.trim()) return;
    const job = `export-${Date.now()}-${++jobs}`;
    this.job = job;
    this.running = true;
    this.result = null;
    this.error = null;
    this.cancelled = false;
    this.progress = null;
    const options = { excel: this.excel, force: this.replace };
    const onProgress = (p: Progress) => {
      this.progress = p;
    };
    try {
      this.result =
        this.what === 'customers'
          ? await exportCustomers(this.path.trim(), buildFilter(this), options, job, onProgress)
          : await exportLedger(this.path.trim(), this.from || null, this.to || null, options, job, onProgress);
    } catch (e) {
      const err = e instanceof AppError ? e : new AppError({ code: 'internal', message: String(e) });
      if (err.code === 'cancelled') this.cancelled = true;
      else this.error = err;
    } finally {
      this.running = false;
      this.job = null;
      this.progress = null;
    }
  }

  async cancel() {
    if (this.job) await cancelJob(this.job);
  }
}
