using Orchestrator.Glue;

namespace Orchestrator.Activities.GlueCalls;

/// <summary>A Glue call that failed, as an activity reports it: the orchestration decides what happens next.</summary>
public sealed record GlueCallError(string Code, string Message, bool Permanent)
{
    /// <summary>The code of a failure that is not an error Glue reported (a busy local catalog, a network fault).</summary>
    public const string UnexpectedError = "UnexpectedError";

    public static GlueCallError From(GlueException exception) =>
        new(exception.ErrorCode, exception.Message, exception.IsPermanent);
}
