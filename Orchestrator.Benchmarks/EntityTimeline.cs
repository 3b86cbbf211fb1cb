using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Benchmarks;

/// <summary>
/// Where an entity step's time goes, from dispatcher middleware timestamps: the parent's turn that creates the step,
/// the step's first turn, its activity, its last turn, and the parent's turn that sees it complete. Printed as the
/// median and 90th percentile of each segment over every step, and how the parent's turns split its time.
/// </summary>
sealed class EntityTimeline
{
    readonly ConcurrentDictionary<string, Step> steps = new();
    readonly ConcurrentQueue<ParentTurn> parentTurns = new();
    readonly ConcurrentQueue<double> pickupWaits = new();
    readonly long origin = Stopwatch.GetTimestamp();
    int parentGaveWay;
    int stepsGaveWay;
    int inFlight;
    int maxInFlight;

    sealed class Step
    {
        public double Created = double.NaN;
        public double FirstTurnStart = double.NaN;
        public double FirstTurnEnd = double.NaN;
        public double ActivityStart = double.NaN;
        public double ActivityEnd = double.NaN;
        public double LastTurnStart = double.NaN;
        public double LastTurnEnd = double.NaN;
        public double SeenByParent = double.NaN;
        public int Turns;
    }

    sealed record ParentTurn(double Start, double End, int Completions, int Created, bool Replayed);

    /// <summary>The parent's orchestration object: a new one means its whole history was replayed (no session kept it).</summary>
    object? parentObject;

    double Now => Stopwatch.GetElapsedTime(origin).TotalMilliseconds;

    /// <summary>Wall clock to the same millisecond scale, for event timestamps written by DurableTask.Core.</summary>
    readonly DateTime originUtc = DateTime.UtcNow;

    double At(DateTime utc) => (utc - originUtc).TotalMilliseconds;

    public void Attach(TaskHubWorker worker)
    {
        worker.AddActivityDispatcherMiddleware(async (context, next) =>
        {
            var instance = context.GetProperty<OrchestrationInstance>()?.InstanceId ?? string.Empty;
            var step = steps.GetOrAdd(instance, _ => new Step());
            step.ActivityStart = Now;
            await next();
            step.ActivityEnd = Now;
        });
        worker.AddOrchestrationDispatcherMiddleware(async (context, next) =>
        {
            var start = Now;
            var runtime = context.GetProperty<OrchestrationRuntimeState>();
            var instance = context.GetProperty<OrchestrationInstance>()?.InstanceId ?? string.Empty;
            await next();
            var end = Now;
            var newEvents = runtime?.NewEvents ?? [];
            if (RunIds.IsRun(instance))
            {
                var completions = 0;
                foreach (var completed in newEvents.OfType<SubOrchestrationInstanceCompletedEvent>())
                {
                    completions++;
                    pickupWaits.Enqueue(start - At(completed.Timestamp));
                }

                var result = context.GetProperty<OrchestratorExecutionResult>();
                var created = result?.Actions.OfType<DurableTask.Core.Command.CreateSubOrchestrationAction>().Count() ?? 0;
                var now = Interlocked.Add(ref inFlight, created - completions);
                if (now > maxInFlight)
                {
                    maxInFlight = now;
                }

                var orchestration = context.GetProperty<TaskOrchestration>();
                var replayed = !ReferenceEquals(orchestration, parentObject);
                parentObject = orchestration;
                parentTurns.Enqueue(new ParentTurn(start, end, completions, created, replayed));
                return;
            }

            var step = steps.GetOrAdd(instance, _ => new Step());
            if (step.Turns++ == 0)
            {
                step.FirstTurnStart = start;
                step.FirstTurnEnd = end;
                if (newEvents.OfType<ExecutionStartedEvent>().FirstOrDefault() is { } started)
                {
                    step.Created = At(started.Timestamp);
                }
            }

            step.LastTurnStart = start;
            step.LastTurnEnd = end;
        });
    }

    /// <summary>Counts the store's "session gave way" events (EventId 5010), the run's apart from its steps'.</summary>
    public ILoggerFactory StoreLog() => LoggerFactory.Create(log => log.SetMinimumLevel(LogLevel.Debug).AddProvider(new GaveWayCounter(this)));

    sealed class GaveWayCounter(EntityTimeline timeline) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != 5010)
            {
                return;
            }

            var instance = (state as IEnumerable<KeyValuePair<string, object?>>)?.FirstOrDefault(p => p.Key == "InstanceId").Value as string ?? string.Empty;
            Interlocked.Increment(ref RunIds.IsRun(instance) ? ref timeline.parentGaveWay : ref timeline.stepsGaveWay);
        }

        public void Dispose()
        {
        }
    }

    public void Print()
    {
        var entitySteps = steps.Values.Where(s => !double.IsNaN(s.Created) && !double.IsNaN(s.ActivityEnd)).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      entity timeline over {entitySteps.Count} steps, ms (median / p90):"));
        Segment("created -> step's first turn starts", entitySteps.Select(s => s.FirstTurnStart - s.Created));
        Segment("step's first turn", entitySteps.Select(s => s.FirstTurnEnd - s.FirstTurnStart));
        Segment("first turn ends -> activity starts", entitySteps.Select(s => s.ActivityStart - s.FirstTurnEnd));
        Segment("activity", entitySteps.Select(s => s.ActivityEnd - s.ActivityStart));
        Segment("activity ends -> step's last turn starts", entitySteps.Select(s => s.LastTurnStart - s.ActivityEnd));
        Segment("step's last turn", entitySteps.Select(s => s.LastTurnEnd - s.LastTurnStart));
        Segment("completion written -> parent's turn starts", pickupWaits);
        Segment("created -> step's last turn ends", entitySteps.Select(s => s.LastTurnEnd - s.Created));
        var turns = parentTurns.OrderBy(t => t.Start).ToList();
        var busy = turns.Sum(t => t.End - t.Start);
        var span = turns.Count > 0 ? turns[^1].End - turns[0].Start : 0;
        var replays = turns.Where(t => t.Replayed).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"      sessions that gave their slot up: the run's {parentGaveWay}, its steps' {stepsGaveWay}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"      parent turns that replayed the whole history: {replays.Count}, executing {replays.Sum(t => t.End - t.Start):F0} ms (median {Median(replays.Select(t => t.End - t.Start)):F1}); resumed from the session: median {Median(turns.Where(t => !t.Replayed).Select(t => t.End - t.Start)):F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"      parent: {turns.Count} turns over {span:F0} ms, executing {busy:F0} ms; between turns (checkpoint, fetch, gather) median {Median(turns.Zip(turns.Skip(1), (a, b) => b.Start - a.End)):F1} ms; completions per turn median {Median(turns.Select(t => (double)t.Completions)):F0}; most steps in flight {maxInFlight}, on average {(entitySteps.Sum(s => s.LastTurnEnd - s.Created) + pickupWaits.Sum()) / Math.Max(1, span):F0}"));
    }

    static void Segment(string name, IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        if (sorted.Count == 0)
        {
            return;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"        {name,-45} {sorted[sorted.Count / 2],8:F1} / {sorted[sorted.Count * 9 / 10],8:F1}"));
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}
