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
