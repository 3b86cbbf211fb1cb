namespace Orchestrator.Glue.Aws;

/// <summary>Which failures the HTTP layer may retry for one Glue call.</summary>
enum GlueRetryScope
{
    /// <summary>Throttling, 5xx, transient codes, connection errors and timeouts: safe for calls that can be repeated.</summary>
    AllTransient,

    /// <summary>Only throttling (the request was not executed). For StartJobRun, whose other failures are ambiguous
    /// and are reconciled through the run marker instead of blindly repeated.</summary>
    ThrottlingOnly,
}
