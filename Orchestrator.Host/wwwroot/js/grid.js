// The Airflow-style grid: one row per step (raw crawler, each entity, clean crawler), one column per run, oldest
// on the left; each cell is a link to the run, coloured, with an icon, and described in its tooltip.
import { h } from './dom.js';
import { runPagePath } from './api.js';
import { tone, icon, label } from './states.js';
import { duration, span, localTime, parseTime, utcText } from './format.js';
import { RAW_CRAWLER, CLEAN_CRAWLER, entityStepId, laneStepId, isCrawlerStep, stepIdName, stepName } from './steps.js';

/**
 * Step rows in pipeline order: raw crawler, the configured entities (each followed by its own clean crawl, in
 * lanes), entities only old runs had, clean crawler.
 */
function stepRows(runs, pipeline) {
  const seen = new Map();
  for (const run of runs) {
    for (const step of run.steps) {
      if (!seen.has(step.id)) {
        seen.set(step.id, step);
      }
    }
  }
  const configured = (pipeline?.entities ?? []).flatMap(e => [entityStepId(e), ...seen.has(laneStepId(e)) ? [laneStepId(e)] : []]);
  const others = [...seen.keys()].filter(id => !isCrawlerStep(id) && !configured.includes(id)).sort();
  const order = [RAW_CRAWLER, ...configured, ...others, CLEAN_CRAWLER];
  return order.filter(id => seen.has(id) || (!isCrawlerStep(id) && configured.includes(id)))
    .map(id => ({ id, step: seen.get(id) }));
}

function rowLabel(id, step) {
  return isCrawlerStep(id)
    ? h('th', { scope: 'row', title: step?.name ?? '' }, stepIdName(id))
    : h('th', { scope: 'row' }, stepIdName(id));
}

function runTip(run, now) {
  const start = parseTime(run.createdAt);
  return [
    run.runId,
    `${label(run.status)} · ${run.kind}`,
    start === null ? '' : `Started ${localTime(start)} (${utcText(start)})`,
    `Duration ${duration(span(run.createdAt, run.completedAt, now))}`,
    run.failedEntities.length > 0 ? `Failed: ${run.failedEntities.join(', ')}` : '',
  ].filter(Boolean).join('\n');
}

function stepTip(run, step, now) {
  const took = span(step.startedAt, step.endedAt, now);
  return [
    `${stepName(step)} · ${label(step.state)}`,
    `Duration ${duration(took)}`,
    `${step.attempts} attempt${step.attempts === 1 ? '' : 's'}`,
    step.errorMessage ? `Error: ${step.errorMessage}` : '',
    run.runId,
  ].filter(Boolean).join('\n');
}

/** The grid table for `runs` (newest first, as the API lists them). */
export function renderGrid(runs, pipeline, now = Date.now()) {
  if (runs.length === 0) {
    return h('p', { class: 'muted' }, 'No runs yet.');
  }
  const columns = [...runs].reverse();
  const rows = stepRows(runs, pipeline);
  const head = h('tr', {},
    h('th', { scope: 'col', class: 'corner' }, h('span', { class: 'visually-hidden' }, 'Step'), h('span', { 'aria-hidden': 'true' }, 'Run')),
    columns.map(run => h('th', { scope: 'col' },
      h('a', {
        class: `cell run-cell tone-${tone(run.status)}`,
        href: runPagePath(run.runId),
        'data-run-id': run.runId,
        'data-state': run.status,
        'data-focus-key': `grid-run-${run.runId}`,
        'data-tip': runTip(run, now),
        'aria-label': `Run ${run.runId}: ${run.status}`,
      }, h('span', { 'aria-hidden': 'true' }, icon(run.status))))));
  const body = rows.map(({ id, step: first }) => h('tr', { 'data-step-id': id },
    rowLabel(id, first),
    columns.map(run => {
      const step = run.steps.find(s => s.id === id);
      if (!step) {
        return h('td', {}, h('span', { class: 'cell none', title: 'not part of this run' }));
      }
      return h('td', {}, h('a', {
        class: `cell tone-${tone(step.state)}`,
        href: runPagePath(run.runId),
        'data-run-id': run.runId,
        'data-step-id': id,
        'data-state': step.state,
        'data-focus-key': `grid-${run.runId}-${id}`,
        'data-tip': stepTip(run, step, now),
        'aria-label': `${id} in run ${run.runId}: ${step.state}, ${duration(span(step.startedAt, step.endedAt, now))}, ${step.attempts} attempts`,
      }, h('span', { 'aria-hidden': 'true' }, icon(step.state))));
    })));
  const first = parseTime(columns[0].createdAt);
  const last = parseTime(columns.at(-1).createdAt);
  return h('div', { class: 'grid-scroll' },
    h('table', { class: 'grid' },
      h('caption', { class: 'visually-hidden' }, `Steps of the last ${runs.length} runs, oldest on the left`),
      h('thead', {}, head),
      h('tbody', {}, body)),
    h('p', { class: 'grid-range muted' },
      `${runs.length} runs from `, h('time', { title: utcText(first) }, localTime(first, 'short')),
      ' to ', h('time', { title: utcText(last) }, localTime(last, 'short'))));
}

/** The legend: every state with its colour, icon and word. */
export function legend() {
  const states = ['Succeeded', 'Running', 'Pending', 'Failed', 'Stopped', 'Skipped', 'Reused'];
  return h('ul', { class: 'legend', 'aria-label': 'States' }, states.map(s =>
    h('li', {}, h('span', { class: `cell tone-${tone(s)}`, 'aria-hidden': 'true' }, icon(s)), ' ', s === 'Stopped' ? 'Stopped / Terminated' : s)));
}
