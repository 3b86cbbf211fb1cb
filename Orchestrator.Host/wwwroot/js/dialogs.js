// Modal questions on the native <dialog>: it traps focus, closes on Escape and gives focus back on close.
import { h } from './dom.js';

/**
 * Shows a modal form; resolves to its FormData when confirmed, null when cancelled.
 * `body` is any nodes (fields included); `danger` styles the confirm button for destructive actions.
 */
export function openDialog({ title, body = [], confirm = 'OK', danger = false, name }) {
  return new Promise(resolve => {
    const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
    const form = h('form', { method: 'dialog' },
      h('h2', { id: titleId }, title),
      body,
      h('div', { class: 'dialog-buttons' },
        h('button', { type: 'button', class: 'button', value: 'cancel', onclick: () => dialog.close('') }, 'Cancel'),
        h('button', { type: 'submit', class: danger ? 'button danger' : 'button primary', value: 'confirm' }, confirm)));
    const dialog = h('dialog', { 'aria-labelledby': titleId, 'data-dialog': name }, form);
    dialog.addEventListener('close', () => {
      const data = dialog.returnValue === 'confirm' ? new FormData(form) : null;
      dialog.remove();
      resolve(data);
    });
    document.body.append(dialog);
    dialog.showModal();
    // The first text field gets focus (never a checkbox such as Force, which Space would tick); with none, the
    // confirm button does, or Cancel for destructive actions.
    const first = form.querySelector('input[type=text], input[type=password], textarea')
      ?? form.querySelector(danger ? 'button[value=cancel]' : 'button[type=submit]');
    first?.focus();
  });
}

/** A labelled text field for dialogs. */
export function field(label, input, hint) {
  const id = input.id || (input.id = `field-${Math.random().toString(36).slice(2)}`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null);
}

/** Asks for the API key; resolves to the key, or null when the operator cancels. */
export async function askForApiKey(reason) {
  const input = h('input', { type: 'password', name: 'key', required: true, autocomplete: 'off', spellcheck: 'false' });
  const data = await openDialog({
    title: 'API key needed',
    name: 'api-key',
    body: [
      h('p', {}, reason || 'The host asks for an API key.'),
      field('API key', input, 'Kept for this browser tab only (sessionStorage) and sent as X-Api-Key.'),
    ],
    confirm: 'Use key',
  });
  return data?.get('key')?.trim() || null;
}
