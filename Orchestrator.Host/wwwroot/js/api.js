// The REST API, with the API key the host may ask for: on a 401 the operator is asked once for a key, which is
// kept in sessionStorage only (gone when the tab closes) and sent as X-Api-Key from then on.
import { askForApiKey } from './dialogs.js';

const KEY = 'orchestrator.apiKey';
const TIMEOUT_MS = 30000;

/** A refused or failed request, with the problem's detail when the host sent one. */
export class ApiError extends Error {
  constructor(status, message, needsKey = false) {
    super(message);
    this.status = status;
    this.needsKey = needsKey;
  }
}

let pendingPrompt = null;
// After the operator dismisses the prompt, background refreshes do not ask again until they choose to.
let declined = false;

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
  keyChanged();
}

function keyChanged() {
  document.dispatchEvent(new CustomEvent('apikeychange'));
}

/** Asks for a key now (the operator pressed "Enter API key"); true when one was given. */
export async function promptForKey(reason) {
  declined = false;
  return (await keyFromOperator(reason)) !== null;
}

async function keyFromOperator(reason) {
  if (declined) {
    return null;
  }
  // Several requests may fail at once: they share one prompt.
  pendingPrompt ??= askForApiKey(reason).finally(() => { pendingPrompt = null; });
  const key = await pendingPrompt;
  if (key) {
    sessionStorage.setItem(KEY, key);
    keyChanged();
  } else {
    declined = true;
  }
  return key || null;
}

async function problemDetail(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/** Calls the API; resolves to the JSON body, or rejects with an ApiError carrying the problem's detail. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  for (;;) {
    const headers = { Accept: 'application/json' };
    const key = storedKey();
    if (key) {
      headers['X-Api-Key'] = key;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }

    let response;
    try {
      // A request that hangs must not leave the operator waiting without a word.
      const limit = AbortSignal.timeout(TIMEOUT_MS);
      response = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, limit]) : limit,
      });
    } catch (error) {
      if (error.name === 'AbortError') {
        throw error;
      }
      throw new ApiError(0, error.name === 'TimeoutError'
        ? `The host did not answer within ${TIMEOUT_MS / 1000} s.`
        : `The host did not answer (${error.message}). Is it running?`);
    }

    if (response.status === 401) {
      const detail = await problemDetail(response);
      if (key) {
        sessionStorage.removeItem(KEY);
        keyChanged();
      }
      if (await keyFromOperator(detail) !== null) {
        continue;
      }
      throw new ApiError(401, detail, true);
    }

    if (!response.ok) {
      throw new ApiError(response.status, await problemDetail(response));
    }

    const type = response.headers.get('content-type') ?? '';
    return type.includes('json') ? response.json() : null;
  }
}

/** A run's path in the API and in the dashboard; run ids keep their '@' readable, as the API's own links do. */
export function runIdSegment(runId) {
  return encodeURIComponent(runId).replaceAll('%40', '@');
}

export function runApiPath(runId) {
  return `/api/runs/${runIdSegment(runId)}`;
}

export function runPagePath(runId) {
  return `/runs/${runIdSegment(runId)}`;
}
