// A run's steps, one place for the dashboard: the step ids are the server's (StepOutcome.RawCrawlerId,
// CleanCrawlerId and EntityId in Orchestrator.Activities/Runs/RunModel.cs; Orchestrator.Tests checks they agree),
// and the names every view shows for them.

export const RAW_CRAWLER = 'raw-crawler';
export const CLEAN_CRAWLER = 'clean-crawler';
const ENTITY_PREFIX = 'job/';

/** The step id of an entity's job. */
export function entityStepId(entity) {
  return `${ENTITY_PREFIX}${entity}`;
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
  return id.startsWith(ENTITY_PREFIX) ? id.slice(ENTITY_PREFIX.length) : id;
}

/** The name shown for a step of a run: the entity for a job, the crawler's role otherwise. */
export function stepName(step) {
  return step.kind === 'EntityJob' ? step.name : stepIdName(step.kind === 'RawCrawler' ? RAW_CRAWLER : CLEAN_CRAWLER);
}
