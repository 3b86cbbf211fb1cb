// The runs table: newest first, a page at a time, with the failed entities of each run.
import { h } from './dom.js';
import { runPagePath } from './api.js';
import { badge } from './states.js';
import { costText, duration, span, timeElement } from './format.js';

function kindCell(run) {
  if (!run.originRunId) {
    return h('td', {}, run.kind);
  }
  return h('td', {}, run.kind, ' of ', h('a', { href: runPagePath(run.originRunId), class: 'run-id' }, run.originRunId));
}

export function renderRunsTable(runs, now = Date.now()) {
  if (runs.length === 0) {
    return h('p', { class: 'muted', 'data-empty': 'runs' }, 'No runs match.');
  }
  return h('div', { class: 'table-scroll' }, h('table', { class: 'runs' },
    h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
    h('thead', {}, h('tr', {},
      ['Run', 'Status', 'Kind', 'Started', 'Duration', 'Cost', 'Failed entities'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, runs.map(run => h('tr', { 'data-run-id': run.runId, 'data-state': run.status },
      h('td', {}, h('a', { href: runPagePath(run.runId), class: 'run-id', 'data-focus-key': `runs-${run.runId}` }, run.runId)),
      h('td', {}, badge(run.status), run.pastDeadline ? [' ', h('span', { class: 'badge tone-failed', title: 'Still going after the pipeline\'s run deadline' }, '⚠ past deadline')] : null),
      kindCell(run),
      h('td', {}, timeElement(run.createdAt)),
      h('td', { class: 'number' }, duration(span(run.createdAt, run.completedAt, now))),
      h('td', { class: 'number', 'data-field': 'cost', title: 'Glue capacity billed, at the configured prices (≈: estimated)' }, costText(run.cost)),
      h('td', { 'data-field': 'failed-entities' }, run.failedEntities.length > 0 ? run.failedEntities.join(', ') : h('span', { class: 'muted' }, '—')))))));
}
