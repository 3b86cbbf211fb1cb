// One vocabulary for run, step and attempt states: a colour from the Okabe–Ito palette (told apart with the
// common colour-vision deficiencies), an icon and a word, so no state is shown by colour alone.
import { h } from './dom.js';

const TONES = {
  succeeded: { icon: '✓' },
  reused: { icon: '↺' },
  running: { icon: '▶' },
  pending: { icon: '…' },
  failed: { icon: '✗' },
  stopped: { icon: '■' },
  skipped: { icon: '–' },
};

// Glue speaks upper case (job runs: SUCCEEDED, FAILED, TIMEOUT, ERROR, STOPPED…; crawls: SUCCEEDED, FAILED, CANCELLED).
// INTERRUPTED is ours: the attempt's host went away; it was tried again and did not count against MaxAttempts.
const GLUE = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed', ERROR: 'failed', TIMEOUT: 'failed', EXPIRED: 'failed',
  RUNNING: 'running', STARTING: 'running', STOPPING: 'running', WAITING: 'running',
  STOPPED: 'stopped', CANCELLED: 'stopped', CANCELLING: 'running', INTERRUPTED: 'stopped',
};

const OURS = {
  Succeeded: 'succeeded', Reused: 'reused', Running: 'running', Pending: 'pending',
  Failed: 'failed', Stopped: 'stopped', Terminated: 'stopped', Skipped: 'skipped',
  // Webhook deliveries.
  Delivered: 'succeeded', Retrying: 'running', 'Given up': 'failed',
};

/** The tone of any state word the API uses. */
export function tone(state) {
  return OURS[state] ?? GLUE[String(state).toUpperCase()] ?? 'pending';
}

export function icon(state) {
  return TONES[tone(state)].icon;
}

/** A Glue state as a word: "SUCCEEDED" reads "Succeeded". */
export function label(state) {
  if (!state) {
    return 'Unknown';
  }
  return state === state.toUpperCase() ? state[0] + state.slice(1).toLowerCase() : state;
}

export function isActive(status) {
  return status === 'Pending' || status === 'Running';
}

/** A badge: icon and word on the state's colour. */
export function badge(state, extra = {}) {
  return h('span', { class: `badge tone-${tone(state)}`, 'data-state': state, ...extra },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, icon(state)), ' ', label(state));
}
