using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.Changes;
using Orchestrator.Activities.GlueCalls;
using Orchestrator.Activities.Notifications;
using Orchestrator.Activities.Orchestrations;
using Orchestrator.Activities.Runs;

namespace Orchestrator.Activities;

/// <summary>Registers the pipeline orchestrations and their activities on a worker, resolving activities from DI.</summary>
public static class PipelineWorkerRegistration
{
    public static readonly IReadOnlyList<Type> Activities =
    [
        typeof(StartCrawlerActivity), typeof(GetCrawlerActivity), typeof(StopCrawlerActivity),
        typeof(StartJobRunActivity), typeof(FindJobRunActivity), typeof(GetJobRunActivity), typeof(StopJobRunActivity), typeof(PurgeStepsActivity),
        typeof(RecordPartitionChangesActivity), typeof(CheckRawDataActivity),
        typeof(StartWebhookDeliveriesActivity), typeof(DeliverWebhookActivity),
    ];

    public static TaskHubWorker AddPipelineOrchestrations(this TaskHubWorker worker, IServiceProvider services)
    {
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var metrics = services.GetRequiredService<RunMetrics>();
        worker.AddTaskOrchestrations(
            new Creator<TaskOrchestration>(typeof(PipelineRunOrchestration), () => new PipelineRunOrchestration(loggers, metrics)),
            new Creator<TaskOrchestration>(typeof(CrawlerRunOrchestration), () => new CrawlerRunOrchestration(loggers)),
            new Creator<TaskOrchestration>(typeof(EntityJobOrchestration), () => new EntityJobOrchestration(loggers)),
            new Creator<TaskOrchestration>(typeof(ForceStopOrchestration), () => new ForceStopOrchestration(loggers)),
            new Creator<TaskOrchestration>(typeof(WebhookDeliveryOrchestration), () => new WebhookDeliveryOrchestration(loggers)));
        worker.AddTaskActivities(Activities
            .Select(type => new Creator<TaskActivity>(type, () => (TaskActivity)ActivatorUtilities.CreateInstance(services, type)))
            .ToArray<ObjectCreator<TaskActivity>>());
        return worker;
    }

    /// <summary>Names an orchestration or activity the way DurableTask.Core's typed calls do, and builds it on demand.</summary>
    sealed class Creator<T> : ObjectCreator<T>
    {
        readonly Func<T> create;

        public Creator(Type type, Func<T> create)
        {
            this.create = create;
            Name = NameVersionHelper.GetDefaultName(type);
            Version = NameVersionHelper.GetDefaultVersion(type);
        }

        public override T Create() => create();
    }
}
