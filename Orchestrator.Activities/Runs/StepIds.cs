namespace Orchestrator.Activities.Runs;

/// <summary>
/// A step's id within its run (and the tail of its sub-orchestration's instance id, <c>{runId}/{stepId}</c>). The
/// dashboard reads the same ids; a rename here is a change of the REST contract.
/// </summary>
public static class StepIds
{
    public const string RawCrawler = "raw-crawler";

    public const string CleanCrawler = "clean-crawler";

    /// <summary>The prefix of every entity job step's id.</summary>
    public const string EntityPrefix = "job/";

    /// <summary>The prefix of every entity's own clean crawler step (CleanCrawl: PerEntity).</summary>
    public const string EntityCleanCrawlerPrefix = "clean-crawler/";

    public static string Entity(string entity) => EntityPrefix + entity;

    public static string EntityCleanCrawler(string entity) => EntityCleanCrawlerPrefix + entity;
}
