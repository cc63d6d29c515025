// The gate's and the admin forms' refusals in the user's language, placed
// at the field the core names (its English message only as a last resort).
import type { AppError } from '$lib/api';
import { m } from '$lib/paraglide/messages.js';

export type FieldErrors = Partial<Record<'username' | 'name' | 'password' | 'password2' | 'form', string>>;

/** One sentence for a refused sign-in (wrong user or password alike). */
export function signInError(e: AppError): string {
  switch (e.code) {
    case 'sign_in_failed':
      return m.auth_error_sign_in_failed();
    case 'validation':
      return m.auth_error_sign_in_failed();
    default:
      return m.auth_error_other({ message: e.message });
  }
}

/** A refused new admin (the owner's set-up, adding an admin, a new password). */
export function setupErrors(e: AppError): FieldErrors {
  if (e.code === 'weak_password') return { password: m.auth_error_weak_password() };
  if (e.code === 'conflict') return { username: m.auth_error_username_taken() };
  if (e.code === 'validation') {
    if (e.field === 'username') return { username: m.auth_error_username() };
    if (e.field === 'name') return { name: m.auth_error_name() };
    if (e.field === 'password') return { password: m.auth_error_weak_password() };
  }
  if (e.code === 'forbidden') return { form: m.auth_error_forbidden() };
  return { form: m.auth_error_other({ message: e.message }) };
}
