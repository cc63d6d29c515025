// The outbox's words: a status and an attempt's outcome in the user's language.
import type { MessageStatus } from '$bindings/MessageStatus';
import { m } from '$lib/paraglide/messages.js';

export const statuses: MessageStatus[] = ['queued', 'sending', 'sent', 'failed', 'paused', 'cancelled', 'unknown'];

export const statusLabel: Record<MessageStatus, () => string> = {
  queued: m.notify_status_queued,
  sending: m.notify_status_sending,
  sent: m.notify_status_sent,
  failed: m.notify_status_failed,
  paused: m.notify_status_paused,
  cancelled: m.notify_status_cancelled,
  unknown: m.notify_status_unknown,
};

/** What the admin may do with a message in `status`. */
export function actions(status: MessageStatus): { retry: boolean; cancel: boolean; markSent: boolean } {
  return {
    retry: status === 'failed' || status === 'cancelled' || status === 'unknown',
    cancel: status === 'queued' || status === 'paused',
    markSent: status === 'unknown',
  };
}
