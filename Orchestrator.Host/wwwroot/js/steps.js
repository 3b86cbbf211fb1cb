// A run's steps, one place for the dashboard: the step ids are the server's (StepIds in
// Orchestrator.Activities/Runs/StepIds.cs; Orchestrator.Tests checks they agree),
// and the names every view shows for them.

export const RAW_CRAWLER = 'raw-crawler';
export const CLEAN_CRAWLER = 'clean-crawler';
const ENTITY_PREFIX = 'job/';
const LANE_PREFIX = 'clean-crawler/';

/** The step id of an entity's job. */
export function entityStepId(entity) {
  return `${ENTITY_PREFIX}${entity}`;
}

/** The step id of an entity's own clean crawler (CleanCrawl: PerEntity). */
export function laneStepId(entity) {
  return `${LANE_PREFIX}${entity}`;
}

/** True for the raw and the clean crawler's steps. */
export function isCrawlerStep(id) {
  return id === RAW_CRAWLER || id === CLEAN_CRAWLER;
}

/** The name shown for a step id: the crawler's role, or the entity. */
export function stepIdName(id) {
  if (id === RAW_CRAWLER) {
    return 'Raw crawler';
  }
  if (id === CLEAN_CRAWLER) {
    return 'Clean crawler';
  }
  if (id.startsWith(LANE_PREFIX)) {
    return `${id.slice(LANE_PREFIX.length)} · clean crawl`;
  }
  return id.startsWith(ENTITY_PREFIX) ? id.slice(ENTITY_PREFIX.length) : id;
}

/** The name shown for a step of a run: the entity for a job, the crawler's role otherwise. */
export function stepName(step) {
  if (step.kind === 'EntityJob') {
    return step.name;
  }
  if (step.kind === 'EntityCleanCrawler') {
    return stepIdName(laneStepId(step.name));
  }
  return stepIdName(step.kind === 'RawCrawler' ? RAW_CRAWLER : CLEAN_CRAWLER);
}
