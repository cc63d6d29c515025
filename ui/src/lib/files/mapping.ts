// The import's column mapping as the wizard edits it. The core decides what
// each column means (the preview's `columns`, from the import's own rules);
// the wizard keeps only the user's changes, sends them back as mappings and
// says, in the user's language, what the import would refuse.
import type { ImportColumn } from '$bindings/ImportColumn';
import type { ImportField } from '$bindings/ImportField';
import type { ImportMapping } from '$bindings/ImportMapping';

/** Every field a column can fill, in the order the select lists them. */
export const FIELDS: readonly ImportField[] = [
  'name',
  'whatsapp',
  'email',
  'phone',
  'address',
  'balance',
  'tags',
  'notes',
  'status',
];

/** The fields every import needs a column for. */
export const REQUIRED: readonly ImportField[] = ['name', 'whatsapp'];

/** The user's choices: column header -> field (null: leave the column out). */
export type Overrides = ReadonlyMap<string, ImportField | null>;

/** The choices as the core takes them. */
export function toMappings(overrides: Overrides): ImportMapping[] {
  return [...overrides].map(([column, field]) => ({ column, field }));
}

/** The user's choice of `field` for the column headed `header`. */
export function choose(
  overrides: Overrides,
  header: string,
  field: ImportField | null,
): Map<string, ImportField | null> {
  const next = new Map(overrides);
  next.set(header, field);
  return next;
}

/** `''` in a select stands for "not imported". */
export const fieldOf = (value: string): ImportField | null =>
  (FIELDS as readonly string[]).includes(value) ? (value as ImportField) : null;

export type MappingProblem =
  | { kind: 'missing'; field: ImportField }
  | { kind: 'twice'; field: ImportField; columns: string[] };

/** What keeps the import from starting with this mapping (none: it can start). */
export function mappingProblems(columns: readonly ImportColumn[]): MappingProblem[] {
  const byField = new Map<ImportField, string[]>();
  for (const c of columns) {
    if (c.field) byField.set(c.field, [...(byField.get(c.field) ?? []), c.header]);
  }
  const problems: MappingProblem[] = [];
  for (const field of REQUIRED) {
    if (!byField.has(field)) problems.push({ kind: 'missing', field });
  }
  for (const [field, cols] of byField) {
    if (cols.length > 1) problems.push({ kind: 'twice', field, columns: cols });
  }
  return problems;
}

/** How far a job is, 0 to 100 (bytes of the file for an import, rows for an export). */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.round((done / total) * 100));
}
