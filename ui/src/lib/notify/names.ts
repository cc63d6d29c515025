import type { MessageTemplate } from '$bindings/MessageTemplate';

/** Each template name once: the core lists a name per language it has, and a
 * send picks the language itself (the shop's), so pickers offer names. */
export function templateNames(templates: MessageTemplate[]): string[] {
  return [...new Set(templates.map((t) => t.name))];
}

/** A template's key in a list: its name alone repeats across languages. */
export const templateKey = (t: MessageTemplate): string => `${t.name}/${t.language}`;
