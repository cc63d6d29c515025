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

// --- Sign-in, settings, admins, backups, the demo shop (H1) ---
import { Channel } from '@tauri-apps/api/core';
import type { Admin } from '$bindings/Admin';
import type { AuthStatus } from '$bindings/AuthStatus';
import type { BackupInfo } from '$bindings/BackupInfo';
import type { BackupStatus } from '$bindings/BackupStatus';
import type { GenSummary } from '$bindings/GenSummary';
import type { NewAdmin } from '$bindings/NewAdmin';
import type { Progress } from '$bindings/Progress';
import type { RestoreInfo } from '$bindings/RestoreInfo';
import type { Setting } from '$bindings/Setting';

/** A Channel that hands each progress report to `onProgress`. */
function progressChannel(onProgress: (p: Progress) => void): Channel<Progress> {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return channel;
}

export const authStatus = () => call<AuthStatus>('auth_status');
export const authSetupOwner = (owner: NewAdmin) => call<Admin>('auth_setup_owner', { owner });
export const authSignIn = (username: string, password: string) =>
  call<Admin>('auth_sign_in', { username, password });
export const authSignOut = () => call<void>('auth_sign_out');
export const authLock = () => call<void>('auth_lock');

export const settingsGet = () => call<Setting[]>('settings_get');
export const settingsSet = (key: string, value: string) =>
  call<Setting>('settings_set', { key, value });

export const adminsList = () => call<Admin[]>('admins_list');
export const adminAdd = (admin: NewAdmin) => call<Admin>('admin_add', { admin });
export const adminPasswd = (username: string, password: string) =>
  call<Admin>('admin_passwd', { username, password });

export const backupList = () => call<BackupStatus>('backup_list');
export const backupNow = (job: string, onProgress: (p: Progress) => void) =>
  call<BackupInfo>('backup_now', { job, on_progress: progressChannel(onProgress) });
export const backupRestore = (file: string, job: string, onProgress: (p: Progress) => void) =>
  call<RestoreInfo>('backup_restore', { file, job, on_progress: progressChannel(onProgress) });

export const demoCreate = (job: string, onProgress: (p: Progress) => void) =>
  call<GenSummary>('demo_create', { job, on_progress: progressChannel(onProgress) });

/** The system's file dialog for a backup to restore (null when cancelled). */
export async function pickBackupFile(title: string, folder?: string): Promise<string | null> {
  const { open } = await import('@tauri-apps/plugin-dialog');
  const picked = await open({
    title,
    multiple: false,
    directory: false,
    defaultPath: folder,
    filters: [{ name: 'Pelanggan', extensions: ['db'] }],
  });
  return typeof picked === 'string' ? picked : null;
}

/** The system's folder dialog for the backups folder (null when cancelled). */
export async function pickFolder(title: string, folder?: string): Promise<string | null> {
  const { open } = await import('@tauri-apps/plugin-dialog');
  const picked = await open({ title, multiple: false, directory: true, defaultPath: folder });
  return typeof picked === 'string' ? picked : null;
}
