using Microsoft.Extensions.Logging;

namespace Orchestrator.Glue.Faults;

/// <summary>The fault decorator's log events (EventIds 3800–3849).</summary>
static partial class GlueFaultLog
{
    [LoggerMessage(EventId = 3800, Level = LogLevel.Warning,
        Message = "Glue fault injection is ON (Orchestrator:Glue:Faults): throttling {Throttling}, server errors {ServerErrors}, ambiguous starts {AmbiguousStarts}, job failures {JobFailures}, slow polls {SlowPolls}, seed {Seed}")]
    public static partial void FaultsEnabled(this ILogger logger, double throttling, double serverErrors, double ambiguousStarts, double jobFailures, double slowPolls, int seed);

    [LoggerMessage(EventId = 3801, Level = LogLevel.Information, Message = "Injected {Fault} into Glue {Operation} of {Resource}")]
    public static partial void FaultInjected(this ILogger logger, string fault, string operation, string resource);
}
