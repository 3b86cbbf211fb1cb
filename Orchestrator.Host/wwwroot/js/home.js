// The first page: pipelines, the grid of recent runs and the runs list, refreshed live. Filters and grid
// settings live in the query string, so a reload or a shared link shows the same view.
import { h, swap } from './dom.js';
import { api } from './api.js';
import { poll } from './live.js';
import { renderPipelines } from './pipelines.js';
import { renderGrid, legend } from './grid.js';
import { renderVisibility } from './visibility.js';
import { renderRunsTable } from './runs-list.js';
import { isActive } from './states.js';

const REFRESH_MS = 3000;
const PAGE_SIZE = 25;
const GRID_SIZES = [10, 25, 50, 100];
const STATUSES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Terminated'];

function section(id, title, ...content) {
  return h('section', { id, class: 'panel', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), content);
}

function select(name, label, options, value) {
  const id = `select-${name}`;
  return h('span', { class: 'control' }, h('label', { for: id }, label),
    h('select', { id, name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function localInputToIso(value) {
  if (!value) {
    return '';
  }
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/** Only re-renders a part when its data changed (or something in it is still running), so focus and hover stay put. */
function changed(cache, part, data, live) {
  const key = JSON.stringify(data);
  if (!live && cache[part] === key) {
    return false;
  }
  cache[part] = key;
  return true;
}

export function renderHome(main, signal) {
  const params = new URLSearchParams(location.search);
  const state = {
    pipelines: [],
    filters: {
      pipeline: params.get('pipeline') ?? '',
      status: params.get('status') ?? '',
      since: params.get('since') ?? '',
      until: params.get('until') ?? '',
    },
    cursors: [null],
    nextCursor: null,
    gridPipeline: params.get('grid') ?? '',
    gridSize: GRID_SIZES.includes(Number(params.get('n'))) ? Number(params.get('n')) : 25,
  };
  const cache = {};

  const pipelinesBox = h('div', { 'data-part': 'pipelines', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const gridBox = h('div', { 'data-part': 'grid', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const runsBox = h('div', { 'data-part': 'runs', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const gridControls = h('form', { class: 'controls', 'aria-label': 'Grid settings', onsubmit: e => e.preventDefault() });
  const filters = h('form', { class: 'controls', 'aria-label': 'Run filters', onsubmit: e => e.preventDefault() });
  const pageLabel = h('span', { class: 'muted', 'aria-live': 'polite' });
  const newer = h('button', { type: 'button', class: 'button', disabled: true }, '← Newer');
  const older = h('button', { type: 'button', class: 'button', disabled: true }, 'Older →');

  swap(main,
    h('h1', { class: 'visually-hidden' }, 'Orchestrator dashboard'),
    section('pipelines', 'Pipelines', pipelinesBox),
    section('grid', 'Grid', gridControls, gridBox, legend()),
    section('runs', 'Runs', filters, runsBox, h('div', { class: 'pager' }, newer, pageLabel, older)));

  function keepInUrl() {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(state.filters)) {
      if (value) {
        query.set(name, value);
      }
    }
    if (state.gridPipeline) {
      query.set('grid', state.gridPipeline);
    }
    if (state.gridSize !== 25) {
      query.set('n', state.gridSize);
    }
    const search = query.toString();
    history.replaceState(history.state, '', `/${search ? `?${search}` : ''}${location.hash}`);
  }

  function drawControls() {
    const names = state.pipelines.map(p => p.name);
    swap(gridControls,
      select('grid-pipeline', 'Pipeline', names.map(n => [n, n]), state.gridPipeline || names[0]),
      select('grid-size', 'Runs', GRID_SIZES.map(n => [String(n), `last ${n}`]), String(state.gridSize)));
    swap(filters,
      select('pipeline', 'Pipeline', [['', 'All'], ...names.map(n => [n, n])], state.filters.pipeline),
      select('status', 'Status', [['', 'All'], ...STATUSES.map(s => [s, s])], state.filters.status),
      h('span', { class: 'control' }, h('label', { for: 'filter-since' }, 'From'),
        h('input', { id: 'filter-since', name: 'since', type: 'datetime-local', value: state.filters.since })),
      h('span', { class: 'control' }, h('label', { for: 'filter-until' }, 'To'),
        h('input', { id: 'filter-until', name: 'until', type: 'datetime-local', value: state.filters.until })),
      h('button', { type: 'reset', class: 'button' }, 'Clear filters'));
  }

  async function loadPipelines() {
    const pipelines = await api('/api/pipelines', { signal });
    const namesBefore = state.pipelines.map(p => p.name).join('\n');
    state.pipelines = pipelines;
    if (namesBefore !== pipelines.map(p => p.name).join('\n')) {
      drawControls();
    }
    // Always redrawn: "next due in 5 minutes" moves on even when nothing else changes.
    swap(pipelinesBox, renderPipelines(pipelines, () => refresher.now()));
    pipelinesBox.removeAttribute('aria-busy');
  }

  async function loadGrid() {
    const name = state.gridPipeline || state.pipelines[0]?.name;
    if (!name) {
      swap(gridBox, h('p', { class: 'muted' }, 'No pipelines.'));
      return;
    }
    const started = performance.now();
    const page = await api(`/api/runs?pipeline=${encodeURIComponent(name)}&limit=${state.gridSize}`, { signal });
    if (changed(cache, 'grid', [name, page.runs], page.runs.some(r => isActive(r.status)))) {
      swap(gridBox, renderGrid(page.runs, state.pipelines.find(p => p.name === name)), renderVisibility(page.runs));
      gridBox.dataset.pipeline = name;
      gridBox.dataset.runs = page.runs.length;
      performance.measure('dashboard-grid', { start: started, end: performance.now(), detail: { runs: page.runs.length } });
    }
    gridBox.removeAttribute('aria-busy');
  }

  async function loadRuns() {
    const query = new URLSearchParams({ limit: PAGE_SIZE });
    const f = state.filters;
    if (f.pipeline) {
      query.set('pipeline', f.pipeline);
    }
    if (f.status) {
      query.set('status', f.status);
    }
    if (localInputToIso(f.since)) {
      query.set('since', localInputToIso(f.since));
    }
    if (localInputToIso(f.until)) {
      query.set('until', localInputToIso(f.until));
    }
    const cursor = state.cursors.at(-1);
    if (cursor) {
      query.set('cursor', cursor);
    }
    const page = await api(`/api/runs?${query}`, { signal });
    state.nextCursor = page.nextCursor ?? null;
    if (changed(cache, 'runs', [query.toString(), page], page.runs.some(r => isActive(r.status)))) {
      swap(runsBox, renderRunsTable(page.runs));
    }
    runsBox.removeAttribute('aria-busy');
    newer.disabled = state.cursors.length <= 1;
    older.disabled = !state.nextCursor;
    pageLabel.textContent = `Page ${state.cursors.length}`;
  }

  let firstView = true;
  async function refresh() {
    // The runs list does not wait for the pipelines; the grid does (it needs the pipeline's entities).
    await Promise.all([loadPipelines().then(loadGrid), loadRuns()]);
    if (firstView) {
      firstView = false;
      performance.mark('dashboard-first-view');
      // Deep links to a section (/#runs) land there once it has content.
      if (location.hash) {
        document.getElementById(location.hash.slice(1))?.scrollIntoView();
      }
    }
  }

  gridControls.addEventListener('change', event => {
    if (event.target.name === 'grid-pipeline') {
      state.gridPipeline = event.target.value;
    } else if (event.target.name === 'grid-size') {
      state.gridSize = Number(event.target.value);
    }
    keepInUrl();
    gridBox.setAttribute('aria-busy', 'true');
    loadGrid().catch(() => refresher.now());
  });

  function filtersChanged() {
    const form = new FormData(filters);
    for (const name of Object.keys(state.filters)) {
      state.filters[name] = form.get(name) ?? '';
    }
    state.cursors = [null];
    keepInUrl();
    runsBox.setAttribute('aria-busy', 'true');
    loadRuns().catch(() => refresher.now());
  }
  filters.addEventListener('change', filtersChanged);
  filters.addEventListener('reset', () => setTimeout(filtersChanged));

  older.addEventListener('click', () => {
    if (state.nextCursor) {
      state.cursors.push(state.nextCursor);
      loadRuns().catch(() => refresher.now());
    }
  });
  newer.addEventListener('click', () => {
    if (state.cursors.length > 1) {
      state.cursors.pop();
      loadRuns().catch(() => refresher.now());
    }
  });

  drawControls();
  const refresher = poll(refresh, REFRESH_MS, signal);
  document.title = 'Orchestrator';
}
