// What a run would do now (GET /api/pipelines/{name}/plan), shown in the Trigger run… dialog before the operator
// confirms: each step, run or skip and why, new raw data, the estimated time and cost, and the budget's verdict.
import { h } from './dom.js';
import { api } from './api.js';
import { costText, duration } from './format.js';

function estimate(seconds) {
  return seconds === null || seconds === undefined ? 'unknown' : duration(seconds * 1000);
}

function bytes(n) {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function newData(raw) {
  if (!raw) {
    return null;
  }
  const parts = raw.hasNewData
    ? [raw.newFiles === null || raw.newFiles === undefined ? 'files unknown' : `${raw.newFiles.toLocaleString()} files`,
      raw.newBytes === null || raw.newBytes === undefined ? null : bytes(raw.newBytes)]
    : ['none'];
  if (raw.newestPartition) {
    parts.push(`newest ${raw.newestPartition}`);
  }
  return h('span', { class: 'plan-new-data', 'data-field': 'new-data' }, `New raw data: ${parts.filter(Boolean).join(', ')}`);
}

function render(plan) {
  const total = plan.estimatedSeconds === null || plan.estimatedSeconds === undefined
    ? 'unknown (a step that would run has no successful attempt on record)'
    : estimate(plan.estimatedSeconds);
  const cost = plan.estimatedCost ? costText(plan.estimatedCost) : 'unknown (a step that would run has no priced attempt on record)';
  return [
    h('table', { class: 'plan-steps' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Step'), h('th', { scope: 'col' }, 'Would'),
        h('th', { scope: 'col' }, 'Estimate'), h('th', { scope: 'col' }, 'Cost'), h('th', { scope: 'col' }, 'Why'))),
      h('tbody', {}, plan.steps.map(step => h('tr', { 'data-step-id': step.id, 'data-action': step.action },
        h('td', {}, step.id),
        h('td', { class: step.action === 'Skip' ? 'muted' : '' }, step.action === 'Skip' ? 'Skip' : 'Run'),
        h('td', {}, step.samples > 0 ? `${estimate(step.estimatedSeconds)} (of ${step.samples})` : 'unknown'),
        h('td', { 'data-field': 'step-cost' }, step.estimatedCost ? costText(step.estimatedCost) : 'unknown'),
        h('td', {}, h('span', {}, step.reason), newData(step.rawData)))))),
    h('p', { class: 'plan-summary', 'data-field': 'plan-summary' },
      `${plan.entitiesToRun} ${plan.entitiesToRun === 1 ? 'entity' : 'entities'} would run, ${plan.entitiesToSkip} would skip; estimated run time ${total}; estimated cost ${cost}.`),
    h('p', {
      class: plan.budget.exceeded || plan.budget.wouldExceed ? 'plan-budget warning-text' : 'plan-budget muted',
      'data-field': 'plan-budget',
      role: plan.budget.exceeded || plan.budget.wouldExceed ? 'alert' : null,
    }, `Budget: ${plan.budget.reason}.`),
  ];
}

/**
 * The plan section of the trigger dialog: `element` to place in it, `update(entities)` to plan those entities (none:
 * all). Only the answer to the latest request is shown.
 */
export function planSection(pipelineName) {
  const body = h('div', { class: 'plan-body' });
  const element = h('section', { class: 'plan', 'aria-label': 'Plan', 'aria-live': 'polite', 'data-plan': pipelineName },
    h('h3', {}, 'What this run would do now'), body);
  let latest = 0;
  async function update(entities) {
    const mine = ++latest;
    body.replaceChildren(h('p', { class: 'muted' }, 'Planning…'));
    const query = entities.map(e => `entity=${encodeURIComponent(e)}`).join('&');
    try {
      const plan = await api(`/api/pipelines/${encodeURIComponent(pipelineName)}/plan${query ? `?${query}` : ''}`);
      if (mine === latest) {
        body.replaceChildren(...render(plan));
      }
    } catch (error) {
      if (mine === latest) {
        body.replaceChildren(h('p', { class: 'error', role: 'alert' }, `No plan: ${error.message}`));
      }
    }
  }
  return { element, update };
}
