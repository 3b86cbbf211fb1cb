// The Changes view: the partition change feed (GET /api/changes) per pipeline, entity or run, in commit order. Late
// changes (a partition of a day before the run's slot) are marked with a word and an icon, not colour alone. The view
// follows the feed live: once it has read to the end it polls after its cursor and adds what is committed since.
import { h, swap } from './dom.js';
import { api, runPagePath } from './api.js';
import { poll } from './live.js';
import { navigate } from './router.js';
import { timeElement, count } from './format.js';

const PAGE_SIZE = 200;
const LIVE_MS = 5000;

/** The dashboard path of the changes of a pipeline, an entity or a run. */
export function changesPath({ pipeline, entity, run } = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries({ pipeline, entity, run })) {
    if (value) {
      query.set(name, value);
    }
  }
  const text = query.toString();
  return text ? `/changes?${text}` : '/changes';
}

function lateness(change) {
  if (change.lateDays === null || change.lateDays === undefined) {
    return h('span', { class: 'muted', title: 'The partition has no date' }, '—');
  }
  if (change.late) {
    return h('span', { class: 'badge tone-late', 'data-late': 'true', title: `A partition of ${change.lateDays} day(s) before the run's slot` },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, '↩'), ` Late · ${change.lateDays} d`);
  }
  return h('span', { class: 'muted' }, 'on time');
}

function row(change) {
  return h('tr', { 'data-sequence': change.sequence, 'data-change': change.change, class: change.late ? 'late' : null },
    h('td', { class: 'number' }, change.sequence),
    h('td', {}, timeElement(change.committedAt, 'short')),
    h('td', {}, change.entity),
    h('td', {}, h('code', {}, change.cleanDatabase ? `${change.cleanDatabase}.${change.cleanTable}` : change.cleanTable)),
    h('td', { 'data-field': 'partition' }, h('code', {}, change.partition)),
    h('td', { 'data-field': 'change' }, change.change),
    h('td', { class: 'number' }, count(change.rowsAdded)),
    h('td', { class: 'number' }, count(change.filesAdded)),
    h('td', {}, h('a', { href: runPagePath(change.runId), class: 'run-id' }, change.runId), h('span', { class: 'muted small' }, ` #${change.stepAttempt}`)),
    h('td', { 'data-field': 'lateness' }, lateness(change)));
}

function filterForm(pipelines, filters) {
  const pipeline = pipelines.find(p => p.name === filters.pipeline);
  const entities = [...new Set((pipeline ? [pipeline] : pipelines).flatMap(p => p.entities))];
  const go = event => {
    const form = event.target.form;
    const chosen = { pipeline: form.pipeline.value, entity: form.entity.value, run: filters.run };
    if (event.target.name === 'pipeline') {
      chosen.entity = '';
      chosen.run = '';
    }
    navigate(changesPath(chosen));
  };
  const options = (values, current, all) => [h('option', { value: '' }, all), values.map(v => h('option', { value: v, selected: v === current }, v))];
  return h('form', { class: 'controls', 'aria-label': 'Change filters', onsubmit: e => e.preventDefault() },
    h('span', { class: 'control' }, h('label', { for: 'changes-pipeline' }, 'Pipeline'),
      h('select', { id: 'changes-pipeline', name: 'pipeline', onchange: go }, options(pipelines.map(p => p.name), filters.pipeline, 'All pipelines'))),
    h('span', { class: 'control' }, h('label', { for: 'changes-entity' }, 'Entity'),
      h('select', { id: 'changes-entity', name: 'entity', onchange: go }, options(entities, filters.entity, 'All entities'))),
    filters.run ? h('span', { class: 'control' }, 'Run ', h('a', { href: runPagePath(filters.run), class: 'run-id' }, filters.run), ' ',
      h('a', { href: changesPath({ pipeline: filters.pipeline, entity: filters.entity }) }, 'show every run')) : null);
}

/** The Changes page for the filters in the query string (pipeline, entity, run). */
export function renderChangesPage(main, signal) {
  const params = new URLSearchParams(location.search);
  const filters = { pipeline: params.get('pipeline') ?? '', entity: params.get('entity') ?? '', run: params.get('run') ?? '' };
  const formBox = h('div', {});
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const body = h('tbody', {});
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Load more');
  const table = h('div', { class: 'table-scroll' }, h('table', { class: 'changes' },
    h('caption', { class: 'visually-hidden' }, 'Partition changes, in commit order'),
    h('thead', {}, h('tr', {}, ['#', 'Committed', 'Entity', 'Clean table', 'Partition', 'Change', 'Rows added', 'Files added', 'Run', 'Lateness'].map(c => h('th', { scope: 'col' }, c)))),
    body));
  const scope = filters.run ? `run ${filters.run}` : [filters.pipeline, filters.entity].filter(Boolean).join(' / ') || 'every pipeline';
  swap(main,
    h('h1', {}, 'Changes'),
    h('section', { class: 'panel', id: 'changes', 'aria-labelledby': 'changes-title' },
      h('h2', { id: 'changes-title' }, `Partition changes of ${scope}`),
      formBox, summary, table, h('div', { class: 'pager' }, more)));

  let cursor = null;
  let shown = 0;
  let late = 0;
  let atEnd = false;

  async function read() {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const name of ['pipeline', 'entity', 'run']) {
      if (filters[name]) {
        query.set(name, filters[name]);
      }
    }
    if (cursor) {
      query.set('after', cursor);
    }
    const page = await api(`/api/changes?${query}`, { signal });
    body.append(...page.changes.map(row));
    shown += page.changes.length;
    late += page.changes.filter(c => c.late).length;
    cursor = page.nextCursor;
    atEnd = !page.hasMore;
    more.hidden = atEnd;
    summary.textContent = shown === 0
      ? 'No partition changes recorded yet. Every job run that succeeds records the partitions it wrote here.'
      : `${count(shown)} changes${late ? `, ${count(late)} late` : ''}${atEnd ? '; new ones appear as runs commit them.' : '; more follow.'}`;
  }

  more.addEventListener('click', () => read().catch(() => {}));
  api('/api/pipelines', { signal }).then(pipelines => swap(formBox, filterForm(pipelines, filters))).catch(() => {});
  poll(async () => {
    // Only once the end is reached: then each poll asks for what was committed after the cursor.
    if (cursor === null || atEnd) {
      await read();
    }
  }, LIVE_MS, signal);
}
