// A run's webhook deliveries: one row per event and subscription, each attempt with its status code or error.
import { h } from './dom.js';
import { badge } from './states.js';
import { timeElement } from './format.js';

/** True while a delivery can still change (the run page keeps refreshing for it after the run ended). */
export function deliveriesInFlight(run) {
  return (run.notifications ?? []).some(n => n.state === 'Pending' || n.state === 'Retrying');
}

function attemptItem(attempt) {
  const outcome = attempt.statusCode ? `HTTP ${attempt.statusCode}` : 'no response';
  return h('li', { 'data-attempt': attempt.number },
    h('span', { class: 'attempt-number' }, `#${attempt.number}`), ' ',
    timeElement(attempt.startedAt, 'time'), ' ',
    h('strong', {}, outcome), ' ',
    h('span', { class: 'muted' }, `${Math.round(attempt.durationMs)} ms`),
    attempt.error && !attempt.statusCode ? h('p', { class: 'error-text' }, attempt.error) : null,
    attempt.error && attempt.statusCode >= 300 && attempt.statusCode < 400 ? h('p', { class: 'muted small' }, attempt.error) : null);
}

export function notificationsTable(run) {
  const deliveries = run.notifications ?? [];
  if (deliveries.length === 0) {
    return h('p', { class: 'muted' }, 'No webhook subscribed to this run\'s events.');
  }
  return h('div', { class: 'table-scroll' }, h('table', { class: 'notifications' },
    h('caption', { class: 'visually-hidden' }, 'Webhook deliveries with their attempts'),
    h('thead', {}, h('tr', {}, ['Event', 'Webhook', 'State', 'Attempts', 'Next attempt'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, deliveries.map(d => h('tr', { 'data-event-id': d.eventId, 'data-webhook': d.webhook, 'data-state': d.state },
      h('th', { scope: 'row' }, h('code', {}, d.eventType), h('div', { class: 'muted small', title: d.eventId }, d.subject === run.runId ? 'the run' : d.subject.slice(run.runId.length + 1))),
      h('td', {}, d.webhook, h('div', { class: 'muted small' }, h('code', {}, d.url))),
      h('td', {}, badge(d.state === 'GivenUp' ? 'Given up' : d.state, { 'data-delivery-state': d.state })),
      h('td', {}, d.attempts.length ? h('ol', { class: 'attempts' }, d.attempts.map(attemptItem)) : h('span', { class: 'muted' }, 'none yet')),
      h('td', {}, d.nextAttemptAt ? timeElement(d.nextAttemptAt, 'time') : h('span', { class: 'muted' }, '—')))))));
}
