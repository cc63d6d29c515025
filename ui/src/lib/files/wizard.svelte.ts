// The import wizard's state: the file, its preview (the core's), the user's
// mapping, the dry run's findings, the import's progress and its result.
// Each step calls the shell through api.ts; nothing here knows the rules.
import type { ImportField } from '$bindings/ImportField';
import type { ImportOptions } from '$bindings/ImportOptions';
import type { ImportPreview } from '$bindings/ImportPreview';
import type { ImportSummary } from '$bindings/ImportSummary';
import type { OnDuplicate } from '$bindings/OnDuplicate';
import type { Progress } from '$bindings/Progress';
import { AppError, cancelJob, importCustomers, importPreview } from '$lib/api';
import { choose, mappingProblems, toMappings, type Overrides } from './mapping';

export type Phase = 'idle' | 'previewing' | 'checking' | 'importing';

let jobs = 0;
/** A job name the shell has not seen in this session. */
const jobName = (what: string) => `${what}-${Date.now()}-${++jobs}`;

export class ImportWizard {
  path = $state('');
  /** The workbook sheet asked for (null: the first visible one). */
  sheet: string | null = $state(null);
  preview: ImportPreview | null = $state(null);
  overrides: Overrides = $state(new Map());
  onDuplicate: OnDuplicate = $state('fail');
  errorsFile = $state('');
  replaceErrorsFile = $state(false);
  phase: Phase = $state('idle');
  progress: Progress | null = $state(null);
  /** The last dry run's summary (for the file and mapping as they are now). */
  checked: ImportSummary | null = $state(null);
  /** The import's summary once it has run. */
  result: ImportSummary | null = $state(null);
  error: AppError | null = $state(null);
  cancelled = $state(false);
  private job: string | null = null;
  /** The latest preview asked for: an older answer arriving late is dropped. */
  private asked = 0;

  problems = $derived(this.preview ? mappingProblems(this.preview.columns) : []);
  /** The import can start: a preview without a header problem, nothing running. */
  ready = $derived(
    this.preview !== null && this.preview.problem === null && this.problems.length === 0 && this.phase === 'idle',
  );

  /** Reads the file at `path` afresh: a new file forgets the old mapping. */
  async open(path: string) {
    if (path !== this.path) {
      this.overrides = new Map();
      this.preview = null;
      this.sheet = null;
    }
    this.path = path;
    await this.refresh();
  }

  /** Reads another sheet of the workbook: its header is another, so is the mapping. */
  async setSheet(sheet: string) {
    this.sheet = sheet;
    this.overrides = new Map();
    await this.refresh();
  }

  /** Maps the column headed `header` to `field` (null: not imported) and previews again. */
  async setField(header: string, field: ImportField | null) {
    this.overrides = choose(this.overrides, header, field);
    await this.refresh();
  }

  async refresh() {
    this.checked = null;
    this.result = null;
    this.error = null;
    this.cancelled = false;
    if (!this.path.trim()) {
      this.preview = null;
      return;
    }
    const mine = ++this.asked;
    this.phase = 'previewing';
    try {
      const preview = await importPreview(this.path.trim(), toMappings(this.overrides), this.sheet);
      if (mine === this.asked) this.preview = preview;
    } catch (e) {
      if (mine === this.asked) {
        this.preview = null;
        this.error = asAppError(e);
      }
    } finally {
      if (mine === this.asked) this.phase = 'idle';
    }
  }

  /** Checks every row without importing any. */
  dryRun() {
    return this.run(true);
  }

  /** Imports the file; the rejected rows go to the errors file when one is named. */
  importAll() {
    return this.run(false);
  }

  /** Asks the running job to stop; the core then undoes everything it did. */
  async cancel() {
    if (this.job) await cancelJob(this.job);
  }

  options(dryRun: boolean): ImportOptions {
    const errorsFile = this.errorsFile.trim();
    return {
      dry_run: dryRun,
      on_duplicate: this.onDuplicate,
      mappings: toMappings(this.overrides),
      // A dry run writes nothing, not even the errors file.
      errors_file: dryRun || !errorsFile ? null : errorsFile,
      force: this.replaceErrorsFile,
      sheet: this.preview?.sheet ?? null,
    };
  }

  private async run(dryRun: boolean) {
    if (!this.preview || this.phase !== 'idle') return;
    const job = jobName(dryRun ? 'import-check' : 'import');
    this.job = job;
    this.phase = dryRun ? 'checking' : 'importing';
    this.progress = null;
    this.error = null;
    this.cancelled = false;
    // A new run supersedes what the last one found (one errors table on screen).
    this.checked = null;
    this.result = null;
    try {
      const summary = await importCustomers(this.path.trim(), this.options(dryRun), job, (p) => {
        this.progress = p;
      });
      if (dryRun) this.checked = summary;
      else this.result = summary;
    } catch (e) {
      const err = asAppError(e);
      if (err.code === 'cancelled') this.cancelled = true;
      else this.error = err;
    } finally {
      this.job = null;
      this.phase = 'idle';
      this.progress = null;
    }
  }
}

function asAppError(e: unknown): AppError {
  return e instanceof AppError ? e : new AppError({ code: 'internal', message: String(e) });
}
