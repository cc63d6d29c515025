// Which screen the window shows. A small state router: the app has a handful
// of screens and no URLs to share, so a rune is all it needs.
export type Route =
  | { name: 'customers' }
  | { name: 'customer'; id: string }
  | { name: 'billing' }
  | { name: 'import' }
  | { name: 'analytics' }
  | { name: 'settings' }
  | { name: 'messages' }
  // Routers (issue 14).
  | { name: 'routers' };

export const router = $state<{ route: Route }>({ route: { name: 'customers' } });

export function go(route: Route) {
  router.route = route;
}
