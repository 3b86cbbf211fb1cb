using System.Collections;
using Amazon.Runtime;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// Replaces every AWS_* environment variable for one test and restores them afterwards. The credential files point at
/// a directory that does not exist and instance metadata is off, so the SDK's chain can only find what the test sets.
/// </summary>
sealed class AwsEnvironment : IDisposable
{
    readonly Dictionary<string, string?> saved;

    public AwsEnvironment(IReadOnlyDictionary<string, string?>? variables = null)
    {
        saved = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => (Name: (string)e.Key, Value: (string?)e.Value))
            .Where(e => e.Name.StartsWith("AWS_", StringComparison.Ordinal))
            .ToDictionary(e => e.Name, e => e.Value);
        foreach (var name in saved.Keys)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        var nowhere = Path.Combine(Path.GetTempPath(), "orchestrator-no-aws-" + Guid.NewGuid().ToString("N"));
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(nowhere, "credentials"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(nowhere, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        foreach (var (name, value) in variables ?? new Dictionary<string, string?>())
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        FallbackRegionFactory.Reset();
    }

    public void Dispose()
    {
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>()
                     .Where(n => n.StartsWith("AWS_", StringComparison.Ordinal)))
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        foreach (var (name, value) in saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        FallbackRegionFactory.Reset();
    }
}

/// <summary>Tests that change process-wide AWS_* variables run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AwsEnvironmentCollection
{
    public const string Name = "AWS environment";
}
