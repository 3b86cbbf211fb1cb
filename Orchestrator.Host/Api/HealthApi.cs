using Microsoft.AspNetCore.Http.HttpResults;
using Orchestrator.Host.Hosting;
using Orchestrator.Storage;

namespace Orchestrator.Host.Api;

/// <summary>
/// Liveness (<c>/healthz</c>: the process answers) and readiness (<c>/readyz</c>: the worker runs, the store answers and,
/// for SQLite, its file can still be written); not ready is 503 with the reason in <c>detail</c>.
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new HealthView("alive", null))).WithTags("Health").WithName("Liveness").ExcludeFromDescription();
        routes.MapGet("/readyz", Ready).WithTags("Health").WithName("Readiness").ExcludeFromDescription();
        return routes;
    }

    static async Task<Results<Ok<HealthView>, JsonHttpResult<HealthView>>> Ready(StoreConnection store, DurableWorkerService worker, CancellationToken token)
    {
        if (!worker.IsRunning)
        {
            return TypedResults.Json(new HealthView("not ready", "the durable worker is not running"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            await store.Store.Client.GetOrchestrationStateAsync("readiness-probe", executionId: null).WaitAsync(TimeSpan.FromSeconds(5), token);
            if (store.Store.Service is IStoreWriteCheck writable && writable.FindWriteProblem() is { } problem)
            {
                return TypedResults.Json(new HealthView("not ready", problem), statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            return TypedResults.Ok(new HealthView("ready", null));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            return TypedResults.Json(new HealthView("not ready", $"the store is not reachable: {ex.Message}"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    public sealed record HealthView(string Status, string? Detail);
}
