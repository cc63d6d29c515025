// What the customer list was asked, kept while the admin opens a customer
// and comes back: the same search, filters, order and page.
import type { BalanceKind } from '$bindings/BalanceKind';
import type { CustomerStatus } from '$bindings/CustomerStatus';
import type { Sort } from '$bindings/Sort';

const initial = () => ({
  search: '',
  status: '' as CustomerStatus | '',
  balance: '' as BalanceKind | '',
  tags: [] as string[],
  tagsAll: false,
  balanceMin: '',
  balanceMax: '',
  createdFrom: '',
  createdTo: '',
  subscribed: '' as '' | 'yes' | 'no',
  sort: 'debt' as Sort,
  /** The second row of filters is open. */
  more: false,
  /** The cursors of the pages before this one (keyset paging): [] on page 1. */
  cursors: [] as (string | undefined)[],
  after: undefined as string | undefined,
});

export const view = $state(initial());

/** Back to the first page of everyone, debt first (a new session, a test). */
export function resetView() {
  Object.assign(view, initial());
}
