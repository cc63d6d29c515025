// Shapes of the shell's answers for the import's tests (mockIPC).
import type { ImportPreview } from '$bindings/ImportPreview';
import type { ImportSummary } from '$bindings/ImportSummary';

export function preview(columns: ImportPreview['columns'], problem: ImportPreview['problem'] = null): ImportPreview {
  return {
    format: 'csv',
    encoding: 'windows1252',
    delimiter: ';',
    sheet: null,
    sheets: [],
    columns,
    rows: [{ line: 2, cells: columns.map((c) => `${c.header}-1`) }],
    problem,
  };
}

export function summary(over: Partial<ImportSummary> = {}): ImportSummary {
  return {
    rows: 3, imported: 2, updated: 0, skipped: 0, rejected: 1, dry_run: true, format: 'csv',
    encoding: 'utf8', delimiter: ',', sheet: null, ignored_columns: [], errors_file: null, notes: [],
    warnings: [], warning_count: 0,
    errors: [{ line: 3, code: 'invalid_whatsapp', field: 'whatsapp', message: 'not a number', data: ['Bad', '123'] }],
    ...over,
  };
}
