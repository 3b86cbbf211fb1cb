using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Glue;
using Orchestrator.Glue.Aws;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// The AWS Glue backend as the host would build it (<c>AddAwsGlueBackend</c>), pointed at a test server and signing
/// with fixed test credentials, so no test ever resolves real AWS credentials.
/// </summary>
sealed class AwsGlueHarness : IDisposable
{
    public const string AccessKey = "AKIDTESTEXAMPLE";
    public const string SecretKey = "test-secret-key";
    public const string Region = "eu-west-1";

    readonly MeterListener listener = new();
    readonly ConcurrentQueue<(string Operation, string Outcome)> calls = new();

    AwsGlueHarness(ServiceProvider services)
    {
        Services = services;
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Name == GlueApiMetrics.CallsInstrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? operation = null, outcome = null;
            foreach (var tag in tags)
            {
                operation = tag.Key == "operation" ? tag.Value as string : operation;
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
            }

            calls.Enqueue((operation ?? "?", outcome ?? "?"));
        });
        listener.Start();
    }

    public ServiceProvider Services { get; }

    /// <summary>The environment of a host process that signs with the test credentials (and never asks IMDS).</summary>
    public static Dictionary<string, string> ProcessEnvironment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    public IGlueBackend Backend => Services.GetRequiredService<IGlueBackend>();

    internal GlueApiClient Client => Services.GetRequiredService<GlueApiClient>();

    /// <summary>Logical calls counted on the "Orchestrator" meter, in order.</summary>
    public IReadOnlyList<(string Operation, string Outcome)> Calls => [.. calls];

    /// <summary>Options with tiny delays so retry paths run in milliseconds; <paramref name="overrides"/> win.</summary>
    public static AwsGlueHarness Create(
        string? serviceUrl,
        IReadOnlyDictionary<string, string?>? overrides = null,
        AWSCredentials? credentials = null,
        bool useDefaultCredentialChain = false)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Region"] = Region,
            ["ServiceUrl"] = serviceUrl,
            ["MaxAttempts"] = "3",
            ["RetryBaseDelay"] = "00:00:00.001",
            ["RetryMaxDelay"] = "00:00:00.010",
            ["RequestTimeout"] = "00:00:05",
            ["ReconcileDelay"] = "00:00:00.010",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(kv =>
                new KeyValuePair<string, string?>($"{AwsGlueOptions.SectionPath}:{kv.Key}", kv.Value)))
            .Build();

        var services = new ServiceCollection();
        if (!useDefaultCredentialChain)
        {
            services.AddSingleton(credentials ?? new BasicAWSCredentials(AccessKey, SecretKey));
        }

        services.AddAwsGlueBackend(configuration.GetSection(AwsGlueOptions.SectionPath));
        return new AwsGlueHarness(services.BuildServiceProvider(validateScopes: true));
    }

    public void Dispose()
    {
        listener.Dispose();
        Services.Dispose();
    }
}
