namespace Orchestrator.Glue.Aws;

/// <summary>Settings of the AWS Glue backend, bound from <c>Orchestrator:Glue:Aws</c>.</summary>
public sealed record AwsGlueOptions
{
    public const string SectionPath = "Orchestrator:Glue:Aws";

    /// <summary>Signing region (e.g. <c>eu-west-1</c>); when empty, the standard chain (AWS_REGION, profile, IMDS).</summary>
    public string? Region { get; init; }

    /// <summary>Endpoint override for moto or a test server; when empty, <c>https://glue.{region}.amazonaws.com</c>.</summary>
    public string? ServiceUrl { get; init; }

    /// <summary>
    /// S3 endpoint override for reading run manifests; when empty, <see cref="ServiceUrl"/> if set (moto serves both on
    /// one port), else the region's S3 endpoint. With an override, requests use path-style addressing.
    /// </summary>
    public string? S3ServiceUrl { get; init; }

    /// <summary>
    /// Bucket of the run manifests for jobs that do not name one in their <c>--orchestrator_manifest_bucket</c>
    /// argument (the CloudFormation stack sets that argument to the clean bucket); when both are empty the partitions
    /// an AWS job run wrote are not known and its step carries a warning.
    /// </summary>
    public string? ManifestBucket { get; init; }

    /// <summary>
    /// Where the AWS backend looks for raw data an entity's job has not processed (SkipWhenNoNewData, plan):
    /// <c>Catalog</c>, the raw table's partitions in the Glue catalog (GetPartitions), or <c>S3</c>, a listing of the
    /// raw table's S3 location, which also counts the new files and bytes and sees files the raw crawler has not yet
    /// catalogued.
    /// </summary>
    public RawDataSource RawDataSource { get; init; } = RawDataSource.Catalog;

    /// <summary>The raw table's processing-time partition key holding the arrival date (<c>yyyy-MM-dd</c>).</summary>
    public string RawDateKey { get; init; } = "ingest_date";

    /// <summary>The key holding the arrival hour (<c>HH</c>, two digits); empty when the raw table has only a date.</summary>
    public string RawHourKey { get; init; } = "ingest_hour";

    /// <summary>HTTP attempts per API call, the first included, for throttling, 5xx and connection errors.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First back-off delay; it doubles per attempt, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time allowed for one HTTP attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>StartJobRun calls per job start when earlier ones ended ambiguously and no run with the marker was found.</summary>
    public int MaxStartAttempts { get; init; } = 3;

    /// <summary>Pause before the second look for a marker run: Glue may list a new run only after a moment.</summary>
    public TimeSpan ReconcileDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>GetJobRuns page size while looking for a marker (Glue allows 1..200).</summary>
    public int MarkerScanPageSize { get; init; } = 100;

    /// <summary>At most this many GetJobRuns pages are read while looking for a marker.</summary>
    public int MarkerScanMaxPages { get; init; } = 10;

    /// <summary>The marker scan stops at runs started this long before the start request (allows for clock skew).</summary>
    public TimeSpan MarkerScanLookback { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>How the AWS backend tells new raw data: from the catalog's partitions, or from an S3 listing.</summary>
public enum RawDataSource
{
    Catalog,
    S3,
}
