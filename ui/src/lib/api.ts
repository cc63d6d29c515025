// The one module that talks to the shell: a typed function per command.
// Nothing else imports `invoke`.
import { invoke } from '@tauri-apps/api/core';
import type { CustomerPage } from '$bindings/CustomerPage';
import type { ErrorBody } from '$bindings/ErrorBody';
import type { ListQuery } from '$bindings/ListQuery';
import type { Stats } from '$bindings/Stats';

/** A command's failure, as the core describes it. */
export class AppError extends Error {
  readonly body: ErrorBody;
  constructor(body: ErrorBody) {
    super(body.message);
    this.body = body;
  }
  get code() {
    return this.body.code;
  }
  get field() {
    return this.body.field;
  }
}

function isErrorBody(e: unknown): e is ErrorBody {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (isErrorBody(e)) throw new AppError(e);
    throw new AppError({ code: 'internal', message: String(e) });
  }
}

export const customersList = (query: ListQuery) => call<CustomerPage>('customers_list', { query });
export const stats = () => call<Stats>('stats');

// --- Import, export, analytics (H4) ---
import { Channel } from '@tauri-apps/api/core';
import type { AnalyticsReport } from '$bindings/AnalyticsReport';
import type { CsvOptions } from '$bindings/CsvOptions';
import type { ExportSummary } from '$bindings/ExportSummary';
import type { Filter } from '$bindings/Filter';
import type { ImportMapping } from '$bindings/ImportMapping';
import type { ImportOptions } from '$bindings/ImportOptions';
import type { ImportPreview } from '$bindings/ImportPreview';
import type { ImportSummary } from '$bindings/ImportSummary';
import type { Progress } from '$bindings/Progress';
import type { Range } from '$bindings/Range';
import type { TopBy } from '$bindings/TopBy';

// H1's section has the same `Channel`/`Progress` imports and `progressChannel`:
// when both land, keep one of each.
/** A Channel that hands each progress report to `onProgress`. */
function progressChannel(onProgress: (p: Progress) => void): Channel<Progress> {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return channel;
}

export const importPreview = (path: string, mappings: ImportMapping[], sheet: string | null = null) =>
  call<ImportPreview>('import_preview', { path, sheet, mappings });
export const importCustomers = (
  path: string,
  options: ImportOptions,
  job: string,
  onProgress: (p: Progress) => void,
) => call<ImportSummary>('import_customers', { path, options, job, on_progress: progressChannel(onProgress) });
export const exportCustomers = (
  path: string,
  filter: Filter,
  options: CsvOptions,
  job: string,
  onProgress: (p: Progress) => void,
) => call<ExportSummary>('export_customers', { path, filter, options, job, on_progress: progressChannel(onProgress) });
export const exportLedger = (
  path: string,
  from: string | null,
  to: string | null,
  options: CsvOptions,
  job: string,
  onProgress: (p: Progress) => void,
) => call<ExportSummary>('export_ledger', { path, from, to, options, job, on_progress: progressChannel(onProgress) });
/** Asks the job named `job` to stop; false when it already ended. */
export const cancelJob = (job: string) => call<boolean>('cancel_job', { job });
export const analytics = (range: Range, top: TopBy) => call<AnalyticsReport>('analytics', { range, top });
