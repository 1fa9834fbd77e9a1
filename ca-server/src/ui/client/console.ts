/**
 * The console's only script (bundled by scripts/build.mjs into dist/ui/console.js, served from
 * this origin; the Content-Security-Policy allows nothing else). Every page works as plain HTML
 * forms; this adds what HTML cannot do alone:
 * - buttons with `data-open-dialog` open a modal `<dialog>` (focus moves in, Escape closes it),
 *   setting its form's action from `data-action` and filling `[data-fill=x]` from `data-fill-x`;
 * - buttons with `data-copy` copy a field's value or an element's text to the clipboard;
 * - an input with `data-confirm-name` keeps its form's submit button disabled until the typed
 *   text equals the name (the server checks it again).
 * It writes text with `textContent` only: nothing from the page is ever parsed as HTML.
 */

function openDialog(button: HTMLElement): void {
  const dialog = document.getElementById(button.dataset.openDialog ?? '');
  if (!(dialog instanceof HTMLDialogElement)) return;
  const form = dialog.querySelector('form');
  if (form && button.dataset.action) form.setAttribute('action', button.dataset.action);
  for (const el of dialog.querySelectorAll<HTMLElement>('[data-fill]')) {
    const key = `fill${el.dataset.fill!.charAt(0).toUpperCase()}${el.dataset.fill!.slice(1)}`;
    el.textContent = button.dataset[key] ?? '';
  }
  dialog.showModal();
  dialog.querySelector<HTMLElement>('select, input:not([type=hidden]), button')?.focus();
  dialog.addEventListener('close', () => button.focus(), { once: true });
}

async function copy(button: HTMLElement): Promise<void> {
  const target = document.getElementById(button.dataset.copy ?? '');
  if (!target) return;
  const text = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ? target.value : (target.textContent ?? '');
  const status = button.closest('section, .notice')?.querySelector<HTMLElement>('.copy-status');
  try {
    await navigator.clipboard.writeText(text);
    if (status) status.textContent = 'Copied to the clipboard.';
  } catch {
    if (target instanceof HTMLInputElement) target.select();
    if (status) status.textContent = 'Copying was not allowed: the text is selected, press Ctrl+C (or ⌘C).';
  }
}

function watchConfirm(input: HTMLInputElement): void {
  const button = document.getElementById(input.dataset.confirmButton ?? '');
  if (!(button instanceof HTMLButtonElement)) return;
  const update = (): void => {
    button.disabled = input.value.trim() !== input.dataset.confirmName;
  };
  input.addEventListener('input', update);
  update();
}

document.addEventListener('click', (ev) => {
  const t = ev.target instanceof Element ? ev.target : null;
  const opener = t?.closest<HTMLElement>('[data-open-dialog]');
  if (opener) {
    ev.preventDefault();
    openDialog(opener);
    return;
  }
  const closer = t?.closest<HTMLElement>('[data-close-dialog]');
  if (closer) {
    closer.closest('dialog')?.close();
    return;
  }
  const copier = t?.closest<HTMLElement>('[data-copy]');
  if (copier) void copy(copier);
});

document.addEventListener('DOMContentLoaded', () => {
  for (const input of document.querySelectorAll<HTMLInputElement>('input[data-confirm-name]')) watchConfirm(input);
});
