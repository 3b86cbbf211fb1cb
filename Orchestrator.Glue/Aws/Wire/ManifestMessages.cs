using System.Text.Json.Serialization;

namespace Orchestrator.Glue.Aws.Wire;

// The partition manifest deploy/aws/data_preparation.py writes per job run (format: deploy/aws/README.md,
// "Partition manifests"). Only the members the orchestrator reads; unknown members are ignored.

sealed record ManifestDocument(
    int? ManifestVersion,
    string? JobRunId,
    string? Entity,
    IReadOnlyList<ManifestPartition>? Partitions);

sealed record ManifestPartition(string? Partition, bool? Added, long? Rows, int? Files);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ManifestDocument))]
sealed partial class ManifestJsonContext : JsonSerializerContext;
