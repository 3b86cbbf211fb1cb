using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging;
using Orchestrator.Glue.Aws.Wire;

namespace Orchestrator.Glue.Aws;

/// <summary>
/// Reads the partition manifest the data-preparation script writes after each run
/// (<c>s3://&lt;bucket&gt;/_orchestrator/manifests/&lt;entity&gt;/&lt;job run id&gt;.json</c>), because Glue itself does not
/// report what a run wrote, through the <see cref="S3Connection"/>. A manifest that is missing, unreadable or malformed is a warning, never an
/// exception: the data is written, and the run must not fail over its receipt.
/// </summary>
sealed partial class JobRunManifests
{
    /// <summary>The job argument naming the manifest bucket (the stack sets it to the clean bucket).</summary>
    public const string BucketArgument = "--orchestrator_manifest_bucket";

    /// <summary>The job argument naming the entity (clean table) whose folder of manifests is read.</summary>
    public const string EntityArgument = "--target_entity_name";

    public const string KeyPrefix = "_orchestrator/manifests/";

    const int SupportedVersion = 1;

    readonly S3Connection s3;
    readonly ILogger<JobRunManifests> logger;

    public JobRunManifests(S3Connection s3, ILogger<JobRunManifests> logger)
    {
        this.s3 = s3;
        this.logger = logger;
    }

    public static string Key(string entity, string jobRunId) => $"{KeyPrefix}{entity}/{jobRunId}.json";

    public async Task<JobRunOutput> ReadAsync(string bucket, string entity, string jobRunId, CancellationToken cancellationToken)
    {
        var key = Key(entity, jobRunId);
        var location = $"s3://{bucket}/{key}";
        byte[] body;
        try
        {
            var client = await s3.ClientAsync(cancellationToken);
            using var response = await client.GetObjectAsync(bucket, key, cancellationToken);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            body = buffer.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchKey" || (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket"))
        {
            return Warn(jobRunId, $"no manifest at {location}: the job's script did not write one (is it an older data_preparation.py?)");
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
        {
            // Without s3:ListBucket, S3 answers a missing object with 403, so this is usually "not written".
            return Warn(jobRunId, $"no manifest at {location} ({ex.ErrorCode}): either the script did not write it (S3 " +
                "reports a missing object as AccessDenied to a reader without s3:ListBucket) or the orchestrator lacks " +
                $"s3:GetObject on s3://{bucket}/{KeyPrefix}*");
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or GlueException
            or HttpRequestException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Warn(jobRunId, $"the manifest at {location} could not be read: {ex.Message}");
        }

        return Parse(body, location, jobRunId);
    }

    JobRunOutput Parse(byte[] body, string location, string jobRunId)
    {
        ManifestDocument? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(body, ManifestJsonContext.Default.ManifestDocument);
        }
        catch (JsonException ex)
        {
            return Warn(jobRunId, $"the manifest at {location} is not valid JSON: {ex.Message}");
        }

        var problem = manifest switch
        {
            null => "it is null",
            { ManifestVersion: not SupportedVersion } => $"manifest_version is {manifest.ManifestVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}; this orchestrator reads version {SupportedVersion}",
            { Partitions: null } => "it has no 'partitions' list",
            { JobRunId: { } id } when id != jobRunId => $"it is the manifest of job run '{id}'",
            _ => manifest.Partitions.Select(PartitionProblem).FirstOrDefault(p => p is not null),
        };
        if (problem is not null)
        {
            return Warn(jobRunId, $"the manifest at {location} is not a valid run manifest: {problem}");
        }

        var partitions = manifest!.Partitions!
            .Select(p => new PartitionWrite(p.Partition!, p.Added ?? false, p.Rows!.Value, p.Files ?? 0))
            .ToList();
        LogManifestRead(jobRunId, location, partitions.Count);
        return new JobRunOutput(partitions);
    }

    static string? PartitionProblem(ManifestPartition? partition, int index) => partition switch
    {
        null => $"partitions[{index}] is null",
        { Partition: null } => $"partitions[{index}] has no 'partition'",
        { Partition: { } name } when name.IndexOf('=', StringComparison.Ordinal) is < 1 || name.EndsWith('=') =>
            $"partitions[{index}].partition '{name}' is not key=value",
        { Rows: null or < 0 } => $"partitions[{index}].rows is missing or negative",
        { Files: < 0 } => $"partitions[{index}].files is negative",
        _ => null,
    };

    JobRunOutput Warn(string jobRunId, string warning)
    {
        LogManifestWarning(jobRunId, warning);
        return new JobRunOutput([], warning);
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Read the manifest of job run {RunId} at {Location}: {Partitions} partitions")]
    private partial void LogManifestRead(string runId, string location, int partitions);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "The partitions job run {RunId} wrote are not known: {Warning}")]
    private partial void LogManifestWarning(string runId, string warning);
}
