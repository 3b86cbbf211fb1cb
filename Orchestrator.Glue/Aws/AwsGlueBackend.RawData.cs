using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Orchestrator.Glue.Aws.Wire;

namespace Orchestrator.Glue.Aws;

/// <summary>
/// Whether an entity's raw table holds data its job has not processed. Raw partitions are by arrival time
/// (<see cref="AwsGlueOptions.RawDateKey"/>, <see cref="AwsGlueOptions.RawHourKey"/>), so "new" means: arrived at or
/// after the start of the run of the entity's last succeeded attempt. From the catalog that is every partition of that
/// hour or later (files may have landed in the hour after the run began; a crawl before the run catalogued the
/// earlier ones, so that run's job read them). From an S3 listing it is every object modified at or after that
/// instant, counted with its bytes.
/// </summary>
public sealed partial class AwsGlueBackend
{
    const string RawDatabaseArgument = "--raw_db_name";
    const string SourceEntityArgument = "--source_entity_name";
    const int PartitionsPageSize = 1000;

    public async Task<RawDataCheck> CheckRawDataAsync(string jobName, IReadOnlyDictionary<string, string> arguments,
        DateTimeOffset? processedBefore, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentNullException.ThrowIfNull(arguments);
        var (database, tableName) = await RawTableAsync(jobName, arguments, cancellationToken);
        var table = (await SendAsync("GetTable", new GetTableRequest(database, tableName),
            GlueJsonContext.Default.GetTableRequest, GlueJsonContext.Default.GetTableResponse, cancellationToken)).Table
            ?? throw MissingMember("GetTable", "Table");
        var check = options.RawDataSource == RawDataSource.S3
            ? await ListNewObjectsAsync(database, tableName, table, processedBefore, cancellationToken)
            : await FindNewPartitionsAsync(database, tableName, table, processedBefore, cancellationToken);
        LogRawDataChecked(jobName, database, tableName, check.HasNewData, check.Basis);
        return check;
    }

    /// <summary>The raw database and table: the run's arguments, else the job's defaults.</summary>
    async Task<(string Database, string Table)> RawTableAsync(string jobName, IReadOnlyDictionary<string, string> arguments,
        CancellationToken cancellationToken)
    {
        var database = arguments.GetValueOrDefault(RawDatabaseArgument);
        var table = arguments.GetValueOrDefault(SourceEntityArgument);
        if (string.IsNullOrWhiteSpace(database) || string.IsNullOrWhiteSpace(table))
        {
            var defaults = (await GetJobAsync(jobName, cancellationToken)).DefaultArguments;
            database = string.IsNullOrWhiteSpace(database) ? defaults.GetValueOrDefault(RawDatabaseArgument) : database;
            table = string.IsNullOrWhiteSpace(table) ? defaults.GetValueOrDefault(SourceEntityArgument) : table;
        }

        if (string.IsNullOrWhiteSpace(database) || string.IsNullOrWhiteSpace(table))
        {
            throw new GlueException(GlueErrorCodes.InvalidInput,
                $"Job '{jobName}' names no raw table: set {RawDatabaseArgument} and {SourceEntityArgument} in the " +
                "entity's Arguments or the job's DefaultArguments.", 400);
        }

        return (database.Trim(), table.Trim());
    }

    async Task<RawDataCheck> FindNewPartitionsAsync(string database, string tableName, TableDto table,
        DateTimeOffset? processedBefore, CancellationToken cancellationToken)
    {
        var keys = (table.PartitionKeys ?? []).Select(k => k.Name ?? string.Empty).ToList();
        if (!keys.Contains(options.RawDateKey, StringComparer.OrdinalIgnoreCase))
        {
            throw new GlueException(GlueErrorCodes.InvalidInput,
                $"The raw table {database}.{tableName} has the partition keys [{string.Join(", ", keys)}]; " +
                $"{AwsGlueOptions.SectionPath}:RawDateKey '{options.RawDateKey}' is not one of them.", 400);
        }

        var hourKey = !string.IsNullOrEmpty(options.RawHourKey) && keys.Contains(options.RawHourKey, StringComparer.OrdinalIgnoreCase)
            ? options.RawHourKey
            : null;
        string? expression = null;
        string from = "every partition counts: no succeeded attempt is known";
        if (processedBefore is { } before)
        {
            var utc = before.UtcDateTime;
            var date = utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var hour = utc.ToString("HH", CultureInfo.InvariantCulture);
            expression = hourKey is null
                ? $"{options.RawDateKey} >= '{date}'"
                : $"{options.RawDateKey} > '{date}' OR ({options.RawDateKey} = '{date}' AND {hourKey} >= '{hour}')";
            from = hourKey is null
                ? $"at or after {options.RawDateKey}={date}"
                : $"at or after {options.RawDateKey}={date}/{hourKey}={hour}";
        }

        var partitions = new List<PartitionDto>();
        string? token = null;
        do
        {
            var page = await SendAsync("GetPartitions",
                new GetPartitionsRequest(database, tableName, expression, token, PartitionsPageSize),
                GlueJsonContext.Default.GetPartitionsRequest, GlueJsonContext.Default.GetPartitionsResponse, cancellationToken);
            partitions.AddRange(page.Partitions ?? []);
            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));

        var newest = partitions
            .Select(p => string.Join('/', keys.Zip(p.Values ?? [], (key, value) => $"{key}={value}")))
            .Max(StringComparer.Ordinal);
        var files = Sum(partitions, "objectCount");
        var bytes = Sum(partitions, "sizeKey");
        var basis = $"{partitions.Count} partitions of the raw table {database}.{tableName} in the Glue catalog {from}";
        return new RawDataCheck(partitions.Count > 0, newest, files is null ? null : (int)files, bytes, basis);
    }

    /// <summary>The sum of a numeric parameter the crawler records per partition; null unless every partition has it.</summary>
    static long? Sum(List<PartitionDto> partitions, string parameter)
    {
        long total = 0;
        foreach (var partition in partitions)
        {
            if (partition.Parameters?.GetValueOrDefault(parameter) is not { } text
                || !long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            total += value;
        }

        return total;
    }

    async Task<RawDataCheck> ListNewObjectsAsync(string database, string tableName, TableDto table,
        DateTimeOffset? processedBefore, CancellationToken cancellationToken)
    {
        var location = table.StorageDescriptor?.Location;
        if (location is null || !location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new GlueException(GlueErrorCodes.InvalidInput,
                $"The raw table {database}.{tableName} has no s3:// location ({location ?? "none"}) to list.", 400);
        }

        var path = location["s3://".Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var prefix = slash < 0 ? string.Empty : path[(slash + 1)..];
        prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        int total = 0, files = 0;
        long bytes = 0;
        string? newest = null;
        try
        {
            var s3 = await this.s3.ClientAsync(cancellationToken);
            ListObjectsV2Response page;
            do
            {
                page = await s3.ListObjectsV2Async(request, cancellationToken);
                foreach (var item in page.S3Objects ?? [])
                {
                    var relative = item.Key[prefix.Length..];
                    var segments = relative.Split('/');
                    if (relative.Length == 0 || relative.EndsWith('/') || segments.Any(s => s.StartsWith('_') || s.StartsWith('.')))
                    {
                        continue;
                    }

                    total++;
                    if (processedBefore is { } before && item.LastModified is { } modified && modified < before.UtcDateTime)
                    {
                        continue;
                    }

                    files++;
                    bytes += item.Size ?? 0;
                    var partition = string.Join('/', segments[..^1].Where(s => s.Contains('=', StringComparison.Ordinal)));
                    newest = partition.Length > 0 && string.CompareOrdinal(partition, newest) > 0 ? partition : newest;
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);
        }
        catch (AmazonS3Exception ex)
        {
            var code = ex.StatusCode == HttpStatusCode.Forbidden ? GlueErrorCodes.AccessDenied
                : ex.ErrorCode == "NoSuchBucket" ? GlueErrorCodes.EntityNotFound
                : ex.ErrorCode ?? "S3Error";
            throw new GlueException(code, $"Listing {location} failed ({ex.ErrorCode}): {ex.Message}", (int)ex.StatusCode, ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or IOException)
        {
            throw new GlueException(GlueErrorCodes.InternalService, $"Listing {location} failed: {ex.Message}", null, ex);
        }

        var since = processedBefore is { } at
            ? $"modified at or after {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"
            : "counted as new: no succeeded attempt is known";
        var basis = $"{files} of the {total} objects under {location} (raw table {database}.{tableName}) {since}";
        return new RawDataCheck(files > 0, newest, files, bytes, basis);
    }

    [LoggerMessage(EventId = 3750, Level = LogLevel.Debug,
        Message = "Job {Job}: raw table {Database}.{Table} checked: new data {HasNewData} ({Basis})")]
    private partial void LogRawDataChecked(string job, string database, string table, bool hasNewData, string basis);
}
