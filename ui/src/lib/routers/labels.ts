// Routers (issue 14): the words for the core's router and provisioning states.
import type { RouterStatus } from '$bindings/RouterStatus';
import { m } from '$lib/paraglide/messages.js';

export const routerStatus: Record<RouterStatus, () => string> = {
  unknown: m.rt_status_unknown,
  ok: m.rt_status_ok,
  unreachable: m.rt_status_unreachable,
  login_failed: m.rt_status_login_failed,
};

/** The provisioning states (`Provisioning.status`: none, queued, applied, failed). */
export function provisioningStatus(status: string): string {
  switch (status) {
    case 'queued':
      return m.rt_prov_queued();
    case 'applied':
      return m.rt_prov_applied();
    case 'failed':
      return m.rt_prov_failed();
    default:
      return m.rt_prov_none();
  }
}
