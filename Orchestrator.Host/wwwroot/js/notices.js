// Messages about what the operator just did: confirmations politely, failures as alerts.
import { h } from './dom.js';
import { promptForKey } from './api.js';

export function notify(message, { error = false, link, keyButton = false } = {}) {
  const notices = document.getElementById('notices');
  const note = h('div', { class: error ? 'notice error' : 'notice', role: error ? 'alert' : 'status' },
    h('span', {}, message),
    link ? [' ', h('a', { href: link.href }, link.text)] : null,
    keyButton ? h('button', { type: 'button', class: 'button small', onclick: () => { note.remove(); promptForKey(); } }, 'Enter API key') : null,
    h('button', { type: 'button', class: 'link-button dismiss', 'aria-label': 'Dismiss message', onclick: () => note.remove() }, '×'));
  notices.append(note);
  if (!error) {
    setTimeout(() => note.remove(), 15000);
  }
  return note;
}

/** Shows a failed request: the problem's detail, and a way to give a key when that was the problem. */
export function notifyError(error, doing) {
  if (error?.name === 'AbortError') {
    return;
  }
  notify(`${doing} failed: ${error.message}`, { error: true, keyButton: Boolean(error.needsKey) });
}
