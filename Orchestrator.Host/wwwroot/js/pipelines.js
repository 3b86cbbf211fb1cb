// The pipelines panel: schedule, next due time, pause state, active runs; trigger, pause and resume.
import { h } from './dom.js';
import { api, runPagePath } from './api.js';
import { openDialog, field } from './dialogs.js';
import { badge } from './states.js';
import { timeElement, fromNow, parseTime, costText } from './format.js';
import { notify, notifyError } from './notices.js';
import { changesPath } from './changes.js';
import { planSection } from './plan.js';

function pipelinePath(name) {
  return `/api/pipelines/${encodeURIComponent(name)}`;
}

async function trigger(pipeline, refresh) {
  // The plan follows the ticked entities, so the operator sees what would run, skip and why before confirming.
  const plan = planSection(pipeline.name);
  const ticked = () => boxes.map(box => box.querySelector('input')).filter(input => input.checked).map(input => input.value);
  const boxes = pipeline.entities.map(entity => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'entity', value: entity, onchange: () => plan.update(ticked()) }), ' ', entity));
  plan.update([]);
  const data = await openDialog({
    title: `Trigger a run of ${pipeline.name}`,
    name: 'trigger',
    body: [
      h('fieldset', {}, h('legend', {}, 'Entities'), h('p', { class: 'hint' }, 'Tick none to run every entity.'), boxes),
      field('Reason (optional)', h('input', { type: 'text', name: 'reason', maxlength: 500 })),
      plan.element,
    ],
    confirm: 'Start run',
  });
  if (!data) {
    return;
  }
  const entities = data.getAll('entity');
  const reason = data.get('reason')?.trim();
  try {
    const accepted = await api(`${pipelinePath(pipeline.name)}/runs`, {
      method: 'POST',
      body: { entities: entities.length > 0 ? entities : undefined, reason: reason || undefined },
    });
    notify(accepted.warning ? `Started run (${accepted.warning})` : 'Started run', { link: { href: runPagePath(accepted.runId), text: accepted.runId } });
    refresh();
  } catch (error) {
    notifyError(error, `Triggering ${pipeline.name}`);
  }
}

async function setPaused(pipeline, paused, refresh) {
  let reason;
  if (paused) {
    const data = await openDialog({
      title: `Pause the schedule of ${pipeline.name}?`,
      name: 'pause',
      body: [
        h('p', {}, 'Due slots are not started while the schedule is paused; runs already going carry on, and manual runs can still be triggered.'),
        field('Reason (optional)', h('input', { type: 'text', name: 'reason', maxlength: 500 })),
      ],
      confirm: 'Pause schedule',
    });
    if (!data) {
      return;
    }
    reason = data.get('reason')?.trim() || undefined;
  }
  try {
    await api(`${pipelinePath(pipeline.name)}/schedule/${paused ? 'pause' : 'resume'}`, { method: 'POST', body: { reason } });
    notify(`Schedule of ${pipeline.name} ${paused ? 'paused' : 'resumed'}`);
    refresh();
  } catch (error) {
    notifyError(error, `${paused ? 'Pausing' : 'Resuming'} ${pipeline.name}`);
  }
}

function scheduleFacts(pipeline) {
  if (!pipeline.schedule) {
    return [h('dt', {}, 'Schedule'), h('dd', {}, 'None: runs start when triggered')];
  }
  const due = parseTime(pipeline.nextDueAt);
  return [
    h('dt', {}, 'Schedule'),
    h('dd', {}, h('code', {}, pipeline.schedule), ` (${pipeline.timeZone})`),
    h('dt', {}, 'Next due'),
    h('dd', { 'data-field': 'next-due' }, pipeline.paused
      ? h('span', { class: 'badge tone-stopped', 'data-state': 'Paused', title: pipeline.pauseReason ?? '' },
        h('span', { class: 'icon', 'aria-hidden': 'true' }, '⏸'), ' Paused')
      : due === null ? '—' : [timeElement(pipeline.nextDueAt), ` (${fromNow(due)})`]),
    pipeline.paused ? [h('dt', {}, 'Paused'), h('dd', {}, timeElement(pipeline.pausedAt), pipeline.pauseReason ? ` — ${pipeline.pauseReason}` : '')] : null,
  ];
}

/** The day's Glue use so far, against the budget when one is set. */
function todayText(today) {
  if (!today) {
    return '—';
  }
  const used = costText(today.used);
  if (today.dailyDpuHours === null || today.dailyDpuHours === undefined) {
    return used;
  }
  const budget = `of ${today.dailyDpuHours} DPU-h budget`;
  return today.exceeded
    ? [used, ' ', h('span', { class: 'badge tone-failed', 'data-state': 'OverBudget' }, `⚠ over budget (${budget}, ${today.action})`)]
    : `${used} ${budget}`;
}

function card(pipeline, refresh) {
  const active = pipeline.activeRuns ?? [];
  return h('article', { class: 'pipeline', 'data-pipeline': pipeline.name, 'aria-labelledby': `pipeline-${pipeline.name}` },
    h('h3', { id: `pipeline-${pipeline.name}` }, pipeline.name),
    h('dl', { class: 'facts' },
      scheduleFacts(pipeline),
      h('dt', {}, 'Active run'),
      h('dd', { 'data-field': 'active' }, active.length === 0
        ? h('span', { class: 'muted' }, 'None')
        : active.map(run => h('span', { class: 'active-run' }, h('a', { href: runPagePath(run.runId) }, run.runId), ' ', badge(run.status)))),
      h('dt', {}, 'Today'),
      h('dd', { 'data-field': 'today-cost', title: pipeline.today?.reason ?? '' }, todayText(pipeline.today)),
      h('dt', {}, 'Entities'),
      h('dd', { 'data-field': 'entities' }, pipeline.entities.map((entity, i) => [i ? ', ' : '',
        h('a', { href: changesPath({ pipeline: pipeline.name, entity }), title: `Partition changes of ${entity}` }, entity)]))),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'button primary', 'data-focus-key': `trigger-${pipeline.name}`, onclick: () => trigger(pipeline, refresh) }, 'Trigger run…'),
      pipeline.schedule
        ? h('button', { type: 'button', class: 'button', 'data-focus-key': `pause-${pipeline.name}`, onclick: () => setPaused(pipeline, !pipeline.paused, refresh) },
          pipeline.paused ? 'Resume schedule' : 'Pause schedule…')
        : null));
}

/** The pipeline cards. */
export function renderPipelines(pipelines, refresh) {
  if (pipelines.length === 0) {
    return h('p', { class: 'muted' }, 'No pipelines are configured (Orchestrator:Pipelines in appsettings.json).');
  }
  return h('div', { class: 'pipelines' }, pipelines.map(p => card(p, refresh)));
}
