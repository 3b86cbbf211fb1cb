// One run: what it is, its timeline, every step with its attempts and Glue runs, its history, and the operator
// actions. Refreshed live while the run is pending or running.
import { h, swap } from './dom.js';
import { api, ApiError, runApiPath, runPagePath } from './api.js';
import { poll } from './live.js';
import { navigate } from './router.js';
import { openDialog, field } from './dialogs.js';
import { badge, isActive, label } from './states.js';
import { timeElement, duration, span, count, costText } from './format.js';
import { notify, notifyError } from './notices.js';
import { renderGantt } from './gantt.js';
import { visibilityList } from './visibility.js';
import { stepName } from './steps.js';
import { changesPath } from './changes.js';
import { notificationsTable, deliveriesInFlight } from './notifications.js';

const LIVE_MS = 1500;

/** The AWS console page of a job run or a crawler, when the run is on the Aws backend and its region is known. */
function consoleUrl(run, step, attempt) {
  if (run.backend !== 'Aws' || !run.awsRegion || !step.resource) {
    return null;
  }
  const region = encodeURIComponent(run.awsRegion);
  const console = `https://${region}.console.aws.amazon.com`;
  if (step.kind === 'EntityJob') {
    return attempt?.glueRunId
      ? `${console}/gluestudio/home?region=${region}#/job/${encodeURIComponent(step.resource)}/run/${encodeURIComponent(attempt.glueRunId)}`
      : null;
  }
  return `${console}/glue/home?region=${region}#/v2/data-catalog/crawlers/view/${encodeURIComponent(step.resource)}`;
}

const ACTIONS = {
  replay: {
    button: 'Replay',
    doing: 'Replay',
    unavailable: 'Replay needs the run\'s input.',
    explain: run => [h('p', {}, `Start a new run of ${run.pipeline} with the same input as ${run.runId}: the same pipeline definition and entities.`)],
  },
  redrive: {
    button: 'Redrive',
    doing: 'Redrive',
    unavailable: 'Only failed or terminated runs can be redriven.',
    explain: run => {
      const reused = run.steps.filter(s => s.state === 'Succeeded' || s.state === 'Reused').map(stepName);
      const rerun = run.steps.filter(s => !(s.state === 'Succeeded' || s.state === 'Reused')).map(stepName);
      return [
        h('p', {}, `Start a new run that reruns what did not succeed in ${run.runId}.`),
        h('ul', {},
          h('li', {}, h('strong', {}, 'Reused: '), reused.length ? reused.join(', ') : 'nothing'),
          h('li', {}, h('strong', {}, 'Run again: '), rerun.length ? rerun.join(', ') : 'nothing')),
      ];
    },
  },
  terminate: {
    button: 'Terminate',
    doing: 'Terminating',
    danger: true,
    unavailable: 'Only pending or running runs can be terminated.',
    explain: () => [
      h('p', {}, 'Stop this run: its running Glue job runs and crawler are stopped, and the run ends Terminated with every step\'s last state. It can be redriven later.'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'force', value: 'true' }),
        ' Force: end the run at once, without waiting for its steps (for a run that no longer responds)'),
    ],
  },
};

const CAN = { replay: 'canReplay', redrive: 'canRedrive', terminate: 'canTerminate' };

function facts(run) {
  const input = run.input ?? {};
  const rows = [
    ['Pipeline', run.pipeline],
    ['Kind', run.originRunId ? [run.kind, ' of ', h('a', { href: runPagePath(run.originRunId), class: 'run-id' }, run.originRunId)] : run.kind],
    ['Created', timeElement(run.createdAt)],
    ['Completed', run.completedAt ? timeElement(run.completedAt) : h('span', { class: 'muted' }, isActive(run.status) ? 'still going' : '—')],
    ['Duration', duration(span(run.createdAt, run.completedAt))],
    ['Cost', h('span', { 'data-field': 'run-cost', title: 'Glue capacity billed, at the configured prices (≈: estimated)' }, costText(run.cost))],
    run.scheduledSlot ? ['Schedule slot', timeElement(run.scheduledSlot)] : null,
    ['Entities', input.entities?.length ? input.entities.join(', ') : 'all'],
    ['Changes', h('a', { href: changesPath({ pipeline: run.pipeline, run: run.runId }), 'data-field': 'changes-link' }, 'Partition changes of this run')],
    input.reason ? ['Reason', input.reason] : null,
    run.message ? ['Message', h('span', { class: run.status === 'Succeeded' ? '' : 'error-text' }, run.message)] : null,
    run.visibility?.length ? ['Visibility', visibilityList(run.visibility)] : null,
    run.pastDeadline ? ['Deadline', h('span', { class: 'error-text' }, '⚠ still going after the pipeline\'s run deadline')] : null,
    ['Definition', h('code', {}, run.definitionHash ?? '—')],
    ['Glue backend', run.backend + (run.awsRegion ? ` (${run.awsRegion})` : '')],
  ].filter(Boolean);
  return h('dl', { class: 'facts wide' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function attemptItem(run, step, attempt) {
  const url = consoleUrl(run, step, attempt);
  const id = attempt.glueRunId
    ? h('code', { class: 'glue-run-id', title: attempt.glueRunId }, attempt.glueRunId)
    : h('span', { class: 'muted' }, step.kind === 'EntityJob' ? 'no job run' : 'crawl');
  return h('li', { 'data-attempt': attempt.number },
    h('span', { class: 'attempt-number' }, `#${attempt.number}`), ' ', badge(attempt.state), ' ',
    url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', title: 'Open in the AWS Glue console' }, id, h('span', { class: 'visually-hidden' }, ' (AWS console, new tab)'), ' ↗') : id,
    ' ', h('span', { class: 'muted' }, duration(span(attempt.startedAt, attempt.endedAt))),
    attempt.cost
      ? h('span', { class: 'muted', 'data-field': 'attempt-cost', title: `${attempt.cost.basis}${attempt.cost.estimated ? ', estimated' : ''}` },
        ` · ${count(Math.round(attempt.cost.dpuSeconds))} DPU-s ${attempt.cost.estimated ? '≈' : ''}$${attempt.cost.cost.toFixed(3)}`)
      : attempt.dpuSeconds ? h('span', { class: 'muted' }, ` · ${count(Math.round(attempt.dpuSeconds))} DPU-s`) : null,
    attempt.partitionChanges !== undefined && attempt.partitionChanges !== null
      ? h('span', { class: 'muted', 'data-field': 'partition-changes' }, ` · ${count(attempt.partitionChanges)} partition changes`) : null,
    attempt.errorMessage ? h('p', { class: 'error-text' }, attempt.errorClass ? `${attempt.errorClass}: ` : '', attempt.errorMessage) : null,
    attempt.warning ? h('p', { class: 'warning-text', 'data-field': 'attempt-warning' }, '⚠ ', attempt.warning) : null);
}

function lastDetails(step) {
  return [...step.attempts].reverse().find(a => a.details)?.details ?? null;
}

function partitionsCell(step) {
  const details = lastDetails(step);
  if (!details) {
    return h('span', { class: 'muted' }, '—');
  }
  const added = details.partitionsAdded ?? [];
  const updated = details.partitionsUpdated ?? [];
  if (added.length + updated.length === 0) {
    return 'none';
  }
  return h('details', {},
    h('summary', {}, `${added.length} added, ${updated.length} updated`),
    h('ul', { class: 'partitions' },
      added.map(p => h('li', {}, h('code', {}, p), ' ', h('span', { class: 'muted' }, 'added'))),
      updated.map(p => h('li', {}, h('code', {}, p), ' ', h('span', { class: 'muted' }, 'updated')))));
}

function stepsTable(run) {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'steps' },
    h('caption', { class: 'visually-hidden' }, 'Steps with their attempts'),
    h('thead', {}, h('tr', {}, ['Step', 'State', 'Started', 'Duration', 'Attempts and Glue runs', 'Cost', 'Rows written', 'Partitions touched'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, run.steps.map(step => {
      const details = lastDetails(step);
      return h('tr', { 'data-step-id': step.id, 'data-state': step.state },
        h('th', { scope: 'row' }, stepName(step), h('div', { class: 'muted small' }, step.kind === 'EntityJob' ? `job ${step.resource ?? ''}` : `crawler ${step.resource ?? step.name}`)),
        h('td', {}, badge(step.state), step.errorMessage ? h('p', { class: step.state === 'Skipped' ? 'muted small' : 'error-text' }, step.errorClass ? `${step.errorClass}: ` : '', step.errorMessage) : null,
          // SkipWhenNoNewData: what the new-data check looked at, whether the step ran or skipped.
          step.rawData ? h('p', { class: 'muted small', 'data-field': 'raw-data' }, step.rawData.basis) : null),
        h('td', {}, timeElement(step.startedAt, 'time')),
        h('td', { class: 'number' }, duration(span(step.startedAt, step.endedAt))),
        h('td', {}, step.attempts.length ? h('ol', { class: 'attempts' }, step.attempts.map(a => attemptItem(run, step, a))) : h('span', { class: 'muted' }, 'none')),
        h('td', { class: 'number', 'data-field': 'step-cost' }, costText(step.cost)),
        h('td', { class: 'number', 'data-field': 'rows-written', title: details ? `${count(details.rowsRead)} rows read` : '' }, details ? count(details.rowsWritten) : '—'),
        h('td', { 'data-field': 'partitions' }, partitionsCell(step)));
    }))));
}

function historyTable(events) {
  if (events.length === 0) {
    return h('p', { class: 'muted' }, 'The store holds no history events for this run.');
  }
  return h('div', { class: 'table-scroll history' }, h('table', { class: 'history' },
    h('caption', { class: 'visually-hidden' }, 'Orchestration history events, oldest first'),
    h('thead', {}, h('tr', {}, ['#', 'Event', 'Time', 'Name', 'Detail'].map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, events.map(e => h('tr', { 'data-event-type': e.eventType },
      h('td', { class: 'number' }, e.eventId >= 0 ? e.eventId : ''),
      h('td', {}, e.eventType),
      h('td', {}, timeElement(e.timestamp, 'time')),
      h('td', {}, e.name ? h('span', { title: e.name }, e.name.replace(/^.*\./, '')) : ''),
      h('td', { class: 'detail' }, e.detail ? h('code', { title: e.detail }, e.detail.length > 160 ? `${e.detail.slice(0, 160)}…` : e.detail) : ''))))));
}

export function renderRunPage(main, runId, signal) {
  const title = h('h1', { class: 'run-title' }, h('span', { class: 'run-id' }, runId));
  const status = h('div', { class: 'run-status', 'aria-live': 'polite' });
  const actions = h('div', { class: 'buttons actions' });
  const factsBox = h('div', {});
  const ganttBox = h('div', { class: 'gantt-box', 'data-part': 'gantt' });
  const stepsBox = h('div', { 'data-part': 'steps' });
  const historyBox = h('div', { 'data-part': 'history' });
  const notificationsBox = h('div', { 'data-part': 'notifications' });
  let run = null;
  let historyKey = '';
  let finishedDrawn = false;

  swap(main,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '/#runs' }, 'Runs'), ' / ', h('span', { 'aria-current': 'page' }, runId)),
    h('div', { class: 'run-head' }, title, status),
    h('section', { class: 'panel', 'aria-labelledby': 'actions-title' }, h('h2', { id: 'actions-title', class: 'visually-hidden' }, 'Actions'), actions, factsBox),
    h('section', { class: 'panel', id: 'timeline', 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Timeline'), ganttBox),
    h('section', { class: 'panel', id: 'steps', 'aria-labelledby': 'steps-title' }, h('h2', { id: 'steps-title' }, 'Steps'), stepsBox),
    h('section', { class: 'panel', id: 'notifications', 'aria-labelledby': 'notifications-title' }, h('h2', { id: 'notifications-title' }, 'Notifications'), notificationsBox),
    h('section', { class: 'panel', id: 'history', 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'History'), historyBox));
  document.title = `${runId} · Orchestrator`;

  let acting = false;
  async function act(action) {
    if (acting) {
      return;
    }
    acting = true;
    try {
      await confirmAndPost(action);
    } finally {
      acting = false;
    }
  }

  async function confirmAndPost(action) {
    const spec = ACTIONS[action];
    const data = await openDialog({
      title: `${spec.button} run ${run.runId}?`,
      name: action,
      body: [spec.explain(run), field('Reason (optional)', h('input', { type: 'text', name: 'reason', maxlength: 500 }))],
      confirm: spec.button,
      danger: spec.danger,
    });
    if (!data) {
      return;
    }
    const body = { reason: data.get('reason')?.trim() || undefined, force: data.get('force') === 'true' };
    try {
      const accepted = await api(`${runApiPath(run.runId)}/${action}`, { method: 'POST', body });
      if (action === 'terminate') {
        notify(`Asked ${run.runId} to stop`);
        refresher.now();
      } else {
        notify(`${spec.button} started:`, { link: { href: runPagePath(accepted.runId), text: accepted.runId } });
        navigate(runPagePath(accepted.runId));
      }
    } catch (error) {
      notifyError(error, `${spec.doing} ${run.runId}`);
    }
  }

  function drawActions() {
    const reasons = [];
    swap(actions, Object.entries(ACTIONS).map(([action, spec]) => {
      const allowed = Boolean(run.actions?.[CAN[action]]);
      if (!allowed) {
        reasons.push(`${spec.button}: ${spec.unavailable}`);
      }
      return h('button', {
        type: 'button', class: spec.danger ? 'button danger' : 'button', disabled: !allowed,
        'data-action': action, 'data-focus-key': `action-${action}`, onclick: () => act(action),
      }, spec.button);
    }), reasons.length ? h('p', { class: 'hint' }, reasons.join(' ')) : null);
  }

  function drawGantt() {
    if (run) {
      swap(ganttBox, renderGantt(run, ganttBox.clientWidth || 900));
    }
  }

  async function load() {
    let history;
    try {
      [run, history] = await Promise.all([
        api(runApiPath(runId), { signal }),
        api(`${runApiPath(runId)}/history`, { signal }),
      ]);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        swap(main, h('h1', {}, 'No such run'), h('p', {}, error.message), h('p', {}, h('a', { href: '/#runs' }, 'Back to the runs')));
        return null;
      }
      throw error;
    }

    const active = isActive(run.status);
    // Deliveries go on after the run ends: keep refreshing until each is delivered or given up.
    const live = active || deliveriesInFlight(run);
    if (finishedDrawn && !live) {
      return null;
    }
    swap(status, badge(run.status, { 'data-run-status': run.status }));
    drawActions();
    swap(factsBox, facts(run));
    drawGantt();
    swap(stepsBox, stepsTable(run));
    swap(notificationsBox, notificationsTable(run));
    const key = JSON.stringify(history);
    if (key !== historyKey) {
      historyKey = key;
      swap(historyBox, historyTable(history));
    }
    finishedDrawn = !live;
    document.title = `${label(run.status)} · ${runId} · Orchestrator`;
    // A finished run does not change: one last draw, then no more polling.
    return live ? LIVE_MS : null;
  }

  let width = 0;
  const resize = new ResizeObserver(() => {
    if (ganttBox.clientWidth !== width) {
      width = ganttBox.clientWidth;
      drawGantt();
    }
  });
  resize.observe(ganttBox);
  signal.addEventListener('abort', () => resize.disconnect());
  const refresher = poll(load, LIVE_MS, signal);
}
