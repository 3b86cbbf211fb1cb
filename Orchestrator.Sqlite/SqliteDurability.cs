namespace Orchestrator.Sqlite;

/// <summary>What a committed transaction survives, chosen per file (PRAGMA synchronous in WAL mode).</summary>
public enum SqliteDurability
{
    /// <summary>
    /// NORMAL: a crash of the process loses nothing committed; a power cut may lose the last transactions. The store
    /// takes this: it commits on every orchestration turn, and DurableTask.Core replays what a lost commit undid.
    /// </summary>
    SurvivesProcessCrash,

    /// <summary>
    /// FULL: every commit is on disk before it returns. The catalog takes this: a lost bookmark after its Parquet
    /// is in place would make the next job run write the same rows again.
    /// </summary>
    SurvivesPowerLoss,
}
