namespace Orchestrator.Activities.Notifications;

/// <summary>
/// The events a webhook can subscribe to, by the short name used in configuration. A CloudEvent's <c>type</c> is the
/// short name behind <see cref="TypePrefix"/> (<c>dev.orchestrator.run.succeeded</c>). The names are a public
/// contract: subscribers filter on them.
/// </summary>
public static class NotificationEvents
{
    public const string TypePrefix = "dev.orchestrator.";

    /// <summary>In a subscription's Events: every event, including ones added later.</summary>
    public const string Any = "*";

    public const string RunStarted = "run.started";
    public const string RunSucceeded = "run.succeeded";
    public const string RunFailed = "run.failed";
    public const string RunTerminated = "run.terminated";
    public const string RunPastDeadline = "run.past_deadline";
    public const string StepFailed = "step.failed";
    public const string PartitionsChanged = "partitions.changed";
    public const string EntityVisibilityLate = "entity.visibility_late";

    /// <summary>A pipeline's runs used its daily budget; raised once per pipeline and day, not by a run.</summary>
    public const string BudgetExceeded = "budget.exceeded";

    public static readonly IReadOnlyList<string> All =
        [RunStarted, RunSucceeded, RunFailed, RunTerminated, RunPastDeadline, StepFailed, PartitionsChanged, EntityVisibilityLate, BudgetExceeded];

    public static bool IsKnown(string name) => name == Any || All.Contains(name, StringComparer.Ordinal);
}
