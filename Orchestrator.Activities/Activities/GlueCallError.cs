using Orchestrator.Activities.Glue;

namespace Orchestrator.Activities.Activities;

/// <summary>A Glue call that failed, as an activity reports it: the orchestration decides what happens next.</summary>
public sealed record GlueCallError(string Code, string Message, bool Permanent)
{
    public static GlueCallError From(GlueException exception) =>
        new(exception.ErrorCode, exception.Message, exception.IsPermanent);
}
