// The system's file dialogs (tauri-plugin-dialog). Each returns the chosen
// path, or null when the user closed the dialog.
import { open, save } from '@tauri-apps/plugin-dialog';

/** A spreadsheet to import. */
export async function pickImportFile(title: string, filterName: string): Promise<string | null> {
  const chosen = await open({
    title,
    multiple: false,
    directory: false,
    filters: [{ name: filterName, extensions: ['csv', 'txt', 'tsv', 'xlsx', 'xlsm', 'ods'] }],
  });
  return typeof chosen === 'string' ? chosen : null;
}

/** Where to write a CSV file. */
export async function pickCsvTarget(title: string, defaultPath: string): Promise<string | null> {
  const chosen = await save({ title, defaultPath, filters: [{ name: 'CSV', extensions: ['csv'] }] });
  return chosen ?? null;
}

/** A router's CA certificate (PEM) to trust for TLS. */
export async function pickCertificate(title: string, filterName: string): Promise<string | null> {
  const chosen = await open({
    title,
    multiple: false,
    directory: false,
    filters: [{ name: filterName, extensions: ['pem', 'crt', 'cer'] }],
  });
  return typeof chosen === 'string' ? chosen : null;
}
