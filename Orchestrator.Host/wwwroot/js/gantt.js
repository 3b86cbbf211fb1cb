// The run's timeline in SVG: one row per step, a light bar for the step and a solid bar for each attempt, on one
// time axis in the browser's time zone. Steps reused from the run a redrive came from keep their origin's times
// out of the axis (they ran hours earlier) and say so instead.
import { svg } from './dom.js';
import { tone, label } from './states.js';
import { parseTime, localTime, utcText, duration } from './format.js';
import { stepName } from './steps.js';

const LABEL_WIDTH = 170;
const ROW = 30;
const AXIS = 26;
const PAD_RIGHT = 18;
const TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map(s => s * 1000);

function extent(run, now) {
  let start = parseTime(run.createdAt);
  let end = parseTime(run.completedAt) ?? now;
  for (const step of run.steps) {
    if (step.state === 'Reused') {
      continue;
    }
    for (const item of [step, ...step.attempts]) {
      const from = parseTime(item.startedAt);
      const to = parseTime(item.endedAt) ?? (from === null ? null : now);
      start = from !== null && from < start ? from : start;
      end = to !== null && to > end ? to : end;
    }
  }
  return [start, Math.max(end, start + 1000)];
}

function describe(name, state, from, to, attempts) {
  return [
    `${name}: ${label(state)}`,
    from === null ? '' : `Started ${localTime(from)} (${utcText(from)})`,
    to === null ? 'Still going' : `Ended ${localTime(to)} (${utcText(to)})`,
    from === null ? '' : `Duration ${duration((to ?? Date.now()) - from)}`,
    attempts === undefined ? '' : `${attempts} attempt${attempts === 1 ? '' : 's'}`,
  ].filter(Boolean).join('\n');
}

/** The timeline of `run` (as GET /api/runs/{id} returns it), `width` pixels wide. */
export function renderGantt(run, width, now = Date.now()) {
  const [t0, t1] = extent(run, now);
  const plot = Math.max(200, width - LABEL_WIDTH - PAD_RIGHT);
  const x = t => LABEL_WIDTH + ((t - t0) / (t1 - t0)) * plot;
  const height = AXIS + (run.steps.length * ROW) + 6;
  const tick = TICKS.find(t => plot / ((t1 - t0) / t) >= 80) ?? TICKS.at(-1);
  const active = run.status === 'Running' || run.status === 'Pending';

  const axis = [];
  for (let t = Math.ceil(t0 / tick) * tick; t <= t1; t += tick) {
    axis.push(svg('g', { class: 'tick' },
      svg('line', { x1: x(t), x2: x(t), y1: AXIS - 4, y2: height }),
      svg('text', { x: x(t), y: AXIS - 9, 'text-anchor': 'middle' }, svg('title', {}, utcText(t)), localTime(t, tick >= 60000 ? 'hm' : tick < 1000 ? 'ms' : 'time'))));
  }

  const rows = run.steps.map((step, i) => {
    const y = AXIS + (i * ROW);
    const from = parseTime(step.startedAt);
    const to = parseTime(step.endedAt);
    const name = stepName(step);
    const parts = [
      svg('text', { class: 'step-label', x: 8, y: y + (ROW / 2) + 4 }, svg('title', {}, step.name), name),
    ];
    if (step.state === 'Reused') {
      parts.push(svg('text', { class: 'note', x: LABEL_WIDTH + 4, y: y + (ROW / 2) + 4 }, '↺ reused: succeeded in the run this one redrives'));
    } else if (from === null) {
      parts.push(svg('text', { class: 'note', x: LABEL_WIDTH + 4, y: y + (ROW / 2) + 4 }, `${label(step.state)}: not started`));
    } else {
      parts.push(svg('rect', {
        class: `gantt-step tone-${tone(step.state)}`, 'data-step-id': step.id, 'data-state': step.state,
        x: x(from), y: y + 5, width: Math.max(2, x(to ?? now) - x(from)), height: ROW - 10, rx: 3,
      }, svg('title', {}, describe(name, step.state, from, to, step.attempts.length))));
      for (const attempt of step.attempts) {
        const a0 = parseTime(attempt.startedAt);
        if (a0 === null) {
          continue;
        }
        const a1 = parseTime(attempt.endedAt);
        const w = Math.max(2, x(a1 ?? now) - x(a0));
        parts.push(svg('rect', {
          class: `gantt-attempt tone-${tone(attempt.state)}`, 'data-step-id': step.id, 'data-attempt': attempt.number, 'data-state': attempt.state,
          x: x(a0), y: y + 10, width: w, height: ROW - 20, rx: 2,
        }, svg('title', {}, describe(`${name}, attempt ${attempt.number}${attempt.glueRunId ? ` (${attempt.glueRunId})` : ''}`, attempt.state, a0, a1))));
        if (step.attempts.length > 1 && w > 22) {
          parts.push(svg('text', { class: 'attempt-label', x: x(a0) + 3, y: y + (ROW / 2) + 4, 'aria-hidden': 'true' }, `#${attempt.number}`));
        }
      }
    }
    return svg('g', { class: 'gantt-row', 'data-step-id': step.id }, parts);
  });

  // Row stripes under the axis lines, bars over them.
  const stripes = run.steps.map((_, i) =>
    svg('rect', { class: i % 2 ? 'row odd' : 'row', x: 0, y: AXIS + (i * ROW), width: LABEL_WIDTH + plot + PAD_RIGHT, height: ROW }));

  const nowLine = active && now <= t1
    ? svg('line', { class: 'now', x1: x(now), x2: x(now), y1: AXIS - 4, y2: height }, svg('title', {}, `Now: ${localTime(now)}`))
    : null;

  return svg('svg', {
    class: 'gantt', width: LABEL_WIDTH + plot + PAD_RIGHT, height, role: 'img',
    'aria-label': `Timeline of ${run.steps.length} steps from ${localTime(t0)} to ${active ? 'now' : localTime(t1)}; the steps table below has the same facts.`,
  }, stripes, axis, rows, nowLine);
}
