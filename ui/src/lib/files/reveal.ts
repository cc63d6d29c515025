/** A Svelte action: brings a status that just appeared (progress, a result) into view, as it sits below long content. */
export function reveal(node: HTMLElement) {
  node.scrollIntoView?.({ block: 'nearest' });
}
