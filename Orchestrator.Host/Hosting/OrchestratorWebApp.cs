using System.Text.Json.Serialization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orchestrator.Glue.Local;
using Orchestrator.Host.Api;
using Orchestrator.Host.Http;
using Orchestrator.Host.Observability;
using Orchestrator.Host.Scheduling;
using Orchestrator.Storage;
using Serilog;

namespace Orchestrator.Host.Hosting;

/// <summary>
/// The service (<c>serve</c>): durable worker, scheduler, retention, REST API, dashboard and metrics, on the
/// configured store and Glue backend. <see cref="BuildAsync"/> stops with exit code 2 and a clear message when the
/// configuration is wrong, the store cannot be opened, or the API would be reachable without keys.
/// </summary>
public static class OrchestratorWebApp
{
    /// <param name="configureServices">Changes to the services after the orchestrator's own (a rehearsal's planted defect).</param>
    public static async Task<(WebApplication? App, int ExitCode)> BuildAsync(string? configFile, string? urls, TextWriter errors, CancellationToken cancellationToken, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot") });
        if (!ConfigurationProblems.Load(builder.Configuration, configFile, errors, sources => sources.AddEnvironmentVariables("ASPNETCORE_")))
        {
            return (null, 2);
        }

        builder.Services.AddSerilog((services, logger) => LoggingSetup.Configure(logger, builder.Configuration));
        builder.Services.AddOrchestrator(builder.Configuration);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddSingleton<ScheduleStateStore>();
        builder.Services.AddDurableWorker();
        builder.Services.AddSingleton<PipelineScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PipelineScheduler>());
        builder.Services.AddHostedService<RetentionService>();
        builder.Services.AddMetricsExport();
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = RequestProblems.Explain);
        builder.Services.AddExceptionHandler<RequestProblems>();
        // Binding failures become exceptions RequestProblems can explain, instead of a bare 400.
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        // ASP.NET Core's own host filtering answers with HTML; HostHeaderFilter answers the same check with problem details.
        builder.Services.PostConfigure<HostFilteringOptions>(filtering => filtering.AllowedHosts = ["*"]);
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton<RunPageResponses>();
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        // From the validated options, so a malformed value is reported as a configuration problem, not a crash.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<OrchestratorOptions>>((host, orchestrator) =>
            host.ShutdownTimeout = orchestrator.Value.Worker.ShutdownGracePeriod + TimeSpan.FromSeconds(5));
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>>((kestrel, api) =>
        {
            kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });

        var addresses = ListenAddresses.Parse(urls ?? builder.Configuration["urls"]);
        builder.WebHost.UseUrls([.. addresses]);
        // Endpoints configured for Kestrel itself take precedence over the URLs: check them too.
        var kestrelEndpoints = builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>();

        builder.Services.AddSingleton(AllowedHosts.From(builder.Configuration, [.. addresses, .. kestrelEndpoints]));

        var app = builder.Build();
        var api = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
        if (api.Keys.Count == 0 && !api.AllowAnonymous && ListenAddresses.NonLoopback([.. addresses, .. kestrelEndpoints]) is { Count: > 0 } exposed)
        {
            await errors.WriteLineAsync(
                $"Refusing to listen on {string.Join(", ", exposed)} without API keys: anyone who can reach it could start and stop runs. " +
                "Set Orchestrator:Api:Keys (e.g. Orchestrator__Api__Keys__0=<key>), or Orchestrator:Api:AllowAnonymous=true behind a trusted proxy, or listen on 127.0.0.1.");
            return (null, 2);
        }

        try
        {
            await app.Services.GetRequiredService<StoreConnection>().OpenAsync(cancellationToken);
        }
        catch (StoreUnavailableException ex)
        {
            await errors.WriteLineAsync(ex.Message);
            return (null, 2);
        }

        // Listening starts now, so nothing recorded before the first scrape is lost.
        app.Services.StartMetricsExport();
        await SeedSampleDataAsync(app);
        Map(app);
        return (app, 0);
    }

    static void Map(WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            // Given, the middleware makes its logger once; without it, it calls Log.ForContext on every request.
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            // Probes and the dashboard's own polling would drown everything else.
            options.GetLevel = (context, _, error) => error is not null || context.Response.StatusCode >= 500
                ? Serilog.Events.LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(context.Request.Method)
                    ? Serilog.Events.LogEventLevel.Information
                    : Serilog.Events.LogEventLevel.Debug;
        });
        app.UseSecurityHeaders(SecurityHeaders.Policy);
        app.UseMiddleware<HostHeaderFilter>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<HeadRequests>();
        app.UseMiddleware<CrossSiteRequestGuard>();
        app.UseRouting();
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseMiddleware<ApiKeyMiddleware>().UseMiddleware<JsonRequestRule>());
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthApi();
        app.MapMetricsExport();
        app.MapPipelinesApi();
        app.MapRunsApi();
        app.MapChangesApi();
        app.MapFallbackToFile("/runs/{**id}", "index.html");
        app.MapFallbackToFile("/changes", "index.html");
    }

    static async Task SeedSampleDataAsync(WebApplication app)
    {
        var local = app.Services.GetService<IOptions<LocalGlueOptions>>()?.Value;
        var generator = app.Services.GetService<SampleDataGenerator>();
        if (local is not { SeedSampleData: true } || generator is null)
        {
            return;
        }

        var raw = Path.Combine(local.LakeRoot, "raw");
        if (Directory.Exists(raw) && Directory.EnumerateFiles(raw, "*", SearchOption.AllDirectories).Any())
        {
            return;
        }

        var written = await generator.WriteAsync(new SampleDataOptions(), CancellationToken.None);
        Log.Information("Wrote sample data into the empty raw zone {RawZone}: {Rows} rows in {Files} files for {Entities}",
            raw, written.Sum(w => w.Rows), written.Sum(w => w.FilesWritten), string.Join(", ", written.Select(w => w.Entity)));
    }
}
