// Live refresh by polling: the next poll starts only after the last one finished, polls stop while the tab is
// hidden, and the header says when the page was last updated (or why it was not).
import { localTime } from './format.js';
import { ApiError } from './api.js';

function say(text, failed = false, needsKey = false) {
  const state = document.getElementById('live-state');
  state.textContent = text;
  state.classList.toggle('failed', failed);
  document.getElementById('enter-key').hidden = !needsKey;
}

/**
 * Runs `task` now and again `intervalMs` after each run until `signal` aborts. `task` may return a new interval
 * (e.g. slower once a run finished), or null to stop polling.
 */
export function poll(task, intervalMs, signal) {
  let timer = null;
  let running = false;

  async function tick() {
    timer = null;
    if (signal.aborted || running) {
      return;
    }
    if (document.hidden) {
      say('Live refresh paused while the tab is hidden');
      return;
    }
    running = true;
    let next = intervalMs;
    try {
      const result = await task();
      if (result === null) {
        next = null;
      } else if (typeof result === 'number') {
        next = intervalMs = result;
      }
      say(`Updated ${localTime(Date.now(), 'time')}`);
    } catch (error) {
      if (error.name === 'AbortError' || signal.aborted) {
        return;
      }
      const needsKey = error instanceof ApiError && error.needsKey;
      say(needsKey ? 'Waiting for an API key' : `Refresh failed: ${error.message}`, true, needsKey);
    } finally {
      running = false;
    }
    if (next !== null && !signal.aborted) {
      timer = setTimeout(tick, next);
    }
  }

  function onVisibility() {
    if (!document.hidden && timer === null && !running) {
      tick();
    }
  }

  document.addEventListener('visibilitychange', onVisibility);
  signal.addEventListener('abort', () => {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });
  tick();

  return {
    /** Polls at once (after an operator action), without waiting for the interval. */
    now() {
      if (running || signal.aborted) {
        return;
      }
      clearTimeout(timer);
      tick();
    },
  };
}
