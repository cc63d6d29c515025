// One short message at the bottom of the window, optionally with an action
// (Undo). It is app-wide state so that it outlives the screen that raised it
// (a delete on the customer's page, the undo on the list it returns to).
export type ToastAction = { label: string; run: () => void | Promise<void> };

export const toast = $state<{ text: string; action: ToastAction | null; id: number }>({
  text: '',
  action: null,
  id: 0,
});

let timer: ReturnType<typeof setTimeout> | undefined;

/** Shows `text` for `ms` (long enough to reach an Undo button). */
export function showToast(text: string, action: ToastAction | null = null, ms = 8000) {
  toast.text = text;
  toast.action = action;
  toast.id++;
  if (timer) clearTimeout(timer);
  timer = setTimeout(hideToast, ms);
}

export function hideToast() {
  toast.text = '';
  toast.action = null;
}
