using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Orchestrator.Glue;

namespace Orchestrator.Activities.GlueCalls;

/// <summary>
/// A DurableTask activity that makes one Glue call. Errors Glue reports come back as a <see cref="GlueCallError"/>
/// in the result rather than an exception, so the orchestration can tell a missing job from a throttled call.
/// Every log event carries the run and step.
/// </summary>
public abstract class GlueActivity<TInput, TResult>(IGlueBackend glue, ILogger logger) : AsyncTaskActivity<TInput, TResult>
    where TInput : IStepRequest
{
    protected IGlueBackend Glue => glue;

    protected ILogger Logger => logger;

    protected override async Task<TResult> ExecuteAsync(TaskContext context, TInput input)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = input.RunId, ["Step"] = input.Step });
        try
        {
            return await CallAsync(input, CancellationToken.None);
        }
        catch (GlueException ex) when (ex.ErrorCode == GlueErrorCodes.ConfigurationError)
        {
            logger.CallImpossible(GetType().Name, ex.Message);
            return Failed(GlueCallError.From(ex));
        }
        catch (GlueException ex)
        {
            logger.CallFailed(GetType().Name, ex.ErrorCode, ex.Message);
            return Failed(GlueCallError.From(ex));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything else (a busy local catalog, a network fault) is reported as transient: the step polls or
            // retries within its timeout instead of crashing and leaving its Glue run unwatched.
            logger.CallFailedUnexpectedly(ex, GetType().Name);
            return Failed(new GlueCallError(GlueCallError.UnexpectedError, $"{ex.GetType().Name}: {ex.Message}", Permanent: false));
        }
    }

    protected abstract Task<TResult> CallAsync(TInput input, CancellationToken cancellationToken);

    protected abstract TResult Failed(GlueCallError error);
}

/// <summary>Every activity request names the run and step it works for, for logs and traces.</summary>
public interface IStepRequest
{
    string RunId { get; }

    string Step { get; }
}
