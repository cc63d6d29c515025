// Each action of the activity log in words, in the user's language. The
// handlers are a mapped type over ActivityEvent's actions, so an action the
// core adds without words here fails svelte-check.
import type { Activity } from '$bindings/Activity';
import type { ActivityEvent } from '$bindings/ActivityEvent';
import type { ContactKind } from '$bindings/ContactKind';
import type { CustomerStatus } from '$bindings/CustomerStatus';
import type { EntryKind } from '$bindings/EntryKind';
import type { FieldValue } from '$bindings/FieldValue';
import { m } from '$lib/paraglide/messages.js';
import { fieldLabel } from '$lib/errors';
import { formatMoney } from '$lib/format';

type Action = ActivityEvent['action'];
type DetailsOf<K extends Action> = Extract<ActivityEvent, { action: K }>['details'];
type Words = { [K in Action]: (details: DetailsOf<K>) => string };

export function statusLabel(status: CustomerStatus): string {
  return {
    active: m.cust_status_active,
    inactive: m.cust_status_inactive,
    blacklisted: m.cust_status_blacklisted,
    deleted: m.cust_status_deleted,
  }[status]();
}

export function contactKindLabel(kind: ContactKind): string {
  return { whatsapp: m.contact_kind_whatsapp, email: m.contact_kind_email, phone: m.contact_kind_phone }[kind]();
}

export function entryKindLabel(kind: EntryKind): string {
  return { credit: m.ledger_kind_credit, debit: m.ledger_kind_debit, carry_over: m.ledger_kind_carry_over }[kind]();
}

function value(v: FieldValue, field: string): string {
  if (v === null || v === '') return m.act_empty_value();
  if (field === 'status' && typeof v === 'string') {
    return ['active', 'inactive', 'blacklisted', 'deleted'].includes(v) ? statusLabel(v as CustomerStatus) : v;
  }
  return String(v);
}

const balance = (d: DetailsOf<'balance_changed'>) => {
  const say = { credit: m.act_balance_credit, debit: m.act_balance_debit, carry_over: m.act_balance_carry_over }[d.type];
  return say({
    amount: formatMoney(d.amount),
    before: formatMoney(d.previous_balance),
    after: formatMoney(d.new_balance),
    description: d.description,
  });
};

const words: Words = {
  created: (d) =>
    d.initial_balance
      ? m.act_created_balance({
          amount: formatMoney(d.initial_balance.type === 'debit' ? `-${d.initial_balance.amount}` : d.initial_balance.amount),
        })
      : m.act_created(),
  updated: (d) =>
    m.act_updated({
      changes: Object.entries(d.changes)
        .map(([field, c]) =>
          m.act_change({ field: fieldLabel(field), before: value(c.before, field), after: value(c.after, field) }),
        )
        .join('; '),
    }),
  deleted: () => m.act_deleted(),
  restored: (d) => m.act_restored({ status: statusLabel(d.status.after) }),
  anonymised: (d) => m.act_anonymised({ n: d.contacts_removed }),
  tag_added: (d) => m.act_tag_added({ tag: d.tag }),
  tag_removed: (d) => m.act_tag_removed({ tag: d.tag }),
  contact_added: (d) => m.act_contact_added({ kind: contactKindLabel(d.type), value: d.value }),
  contact_removed: (d) => m.act_contact_removed({ kind: contactKindLabel(d.type), value: d.value }),
  contact_primary_set: (d) => m.act_contact_primary_set({ kind: contactKindLabel(d.type) }),
  balance_changed: balance,
  subscription_created: (d) =>
    m.act_subscription_created({
      username: d.subscription.username,
      profile: d.subscription.profile,
      price: formatMoney(d.subscription.price),
    }),
  subscription_updated: (d) => m.act_subscription_updated({ username: d.username }),
  subscription_suspended: (d) => m.act_subscription_suspended({ username: d.username }),
  subscription_rescheduled: (d) => m.act_subscription_rescheduled({ username: d.username }),
  subscription_resumed: (d) => m.act_subscription_resumed({ username: d.username }),
  subscription_cancelled: (d) => m.act_subscription_cancelled({ username: d.username }),
  invoice_issued: (d) => m.act_invoice_issued({ number: d.invoice.number, total: formatMoney(d.invoice.total) }),
  invoice_voided: (d) => m.act_invoice_voided({ number: d.number, total: formatMoney(d.total) }),
  payment_recorded: (d) => m.act_payment_recorded({ amount: formatMoney(d.payment.amount) }),
  payment_refunded: (d) => m.act_payment_refunded({ amount: formatMoney(d.amount) }),
  voucher_sold: (d) => m.act_voucher_sold({ code: d.code, price: formatMoney(d.price) }),
  isolir_suspended: (d) =>
    m.act_isolir_suspended({ username: d.username, number: d.invoice_number, days: d.grace_days, owed: formatMoney(d.owed) }),
  isolir_resumed: (d) => m.act_isolir_resumed({ username: d.username }),
  merged: (d) =>
    d.taken.length > 0
      ? m.act_merged_taken({ name: d.name, whatsapp: d.whatsapp, fields: d.taken.map(fieldLabel).join(', ') })
      : m.act_merged({ name: d.name, whatsapp: d.whatsapp }),
};

/** The entry in words; an action this version does not know is named as stored. */
export function describe(entry: Activity): string {
  const say = (words as Record<string, ((d: unknown) => string) | undefined>)[entry.action];
  if (!say) return m.act_other({ action: entry.action });
  try {
    return say(entry.details);
  } catch {
    // Details of an older shape than the bindings say: still name the action.
    return m.act_other({ action: entry.action });
  }
}
