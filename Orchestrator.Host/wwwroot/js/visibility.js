// Visibility lag: from a run's slot to its entities' clean partitions being catalogued (RunSummary.visibility).
// A small bar chart per entity over the grid's runs, and the run page's list; late entities are marked.
import { h, svg } from './dom.js';
import { duration } from './format.js';
import { runPagePath } from './api.js';

const WIDTH = 6;
const GAP = 2;
const HEIGHT = 28;

function lagText(entry) {
  if (entry.lagSeconds === null || entry.lagSeconds === undefined) {
    return entry.late ? 'not catalogued, past the SLA' : 'not catalogued';
  }
  return `${duration(entry.lagSeconds * 1000)}${entry.late ? ', past the SLA' : ''}`;
}

/** One entity's bars, oldest run on the left; a run without data for it leaves a gap. */
function chart(entity, points) {
  const highest = Math.max(1, ...points.map(p => p.entry?.lagSeconds ?? 0));
  const bars = points.map((p, i) => {
    if (!p.entry) {
      return null;
    }
    const missing = p.entry.lagSeconds === null || p.entry.lagSeconds === undefined;
    const height = missing ? HEIGHT : Math.max(2, Math.round((p.entry.lagSeconds / highest) * HEIGHT));
    return svg('a', { href: runPagePath(p.runId) },
      svg('rect', {
        x: i * (WIDTH + GAP), y: HEIGHT - height, width: WIDTH, height,
        class: `lag-bar${p.entry.late ? ' late' : ''}${missing ? ' missing' : ''}`,
        'data-run-id': p.runId,
        'data-late': String(p.entry.late),
      }, svg('title', {}, `${p.runId}: ${lagText(p.entry)}`)));
  });
  return svg('svg', {
    class: 'lag-chart', width: points.length * (WIDTH + GAP), height: HEIGHT,
    role: 'img', 'aria-label': `Visibility lag of ${entity} over the last ${points.length} runs`,
  }, bars);
}

/** The per-entity charts for `runs` (newest first, as the API lists them); nothing when no run measured any. */
export function renderVisibility(runs) {
  const columns = [...runs].reverse();
  const entities = [...new Set(columns.flatMap(r => (r.visibility ?? []).map(v => v.entity)))].sort();
  if (entities.length === 0) {
    return null;
  }
  return h('div', { class: 'visibility', 'data-part': 'visibility' },
    h('h3', {}, 'Visibility lag'),
    h('p', { class: 'hint' }, 'From each run\'s slot until its clean partitions were catalogued; red bars are past the pipeline\'s VisibilitySla.'),
    h('table', { class: 'visibility-table' },
      h('caption', { class: 'visually-hidden' }, 'Visibility lag per entity, oldest run on the left'),
      h('thead', {}, h('tr', {}, ['Entity', 'Last', 'Late', 'Recent runs'].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, entities.map(entity => {
        const points = columns.map(r => ({ runId: r.runId, entry: (r.visibility ?? []).find(v => v.entity === entity) }));
        const last = points.filter(p => p.entry).at(-1)?.entry;
        const late = points.filter(p => p.entry?.late).length;
        return h('tr', { 'data-entity': entity },
          h('th', { scope: 'row' }, entity),
          h('td', { 'data-field': 'last' }, last ? lagText(last) : '—'),
          h('td', { 'data-field': 'late', class: late > 0 ? 'error-text' : '' }, String(late)),
          h('td', {}, chart(entity, points)));
      }))));
}

/** The run page's list: when each entity of this run became visible. */
export function visibilityList(visibility) {
  return h('ul', { class: 'visibility-list', 'data-part': 'visibility' }, visibility.map(v =>
    h('li', { 'data-entity': v.entity, 'data-late': String(v.late), class: v.late ? 'error-text' : '' },
      h('strong', {}, v.entity), ': ', lagText(v), v.late ? ' ⚠' : '')));
}
