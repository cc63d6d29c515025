// The language the UI is rendered in, as a rune so that `{#key i18n.lang}`
// re-renders when it changes (see i18n.ts).
import type { Lang } from './format';

export const i18n = $state<{ lang: Lang }>({ lang: 'id' });
