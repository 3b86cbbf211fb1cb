using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Orchestrator.Glue;
using Orchestrator.Glue.Aws;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// The AWS backend's new-raw-data check against moto_server's Glue catalog (GetTable, GetPartitions with an expression
/// on the arrival-time keys) and S3 (a listing of the raw table's location).
/// </summary>
public sealed class MotoRawDataTests : IClassFixture<MotoServerFixture>, IDisposable
{
    readonly MotoServerFixture moto;
    readonly AwsGlueHarness catalog;
    readonly AwsGlueHarness listing;
    readonly AmazonS3Client s3;
    readonly string suffix = Guid.NewGuid().ToString("N")[..8];

    public MotoRawDataTests(MotoServerFixture moto)
    {
        this.moto = moto;
        var url = moto.SkipReason is null ? moto.Url : null;
        catalog = AwsGlueHarness.Create(url);
        listing = AwsGlueHarness.Create(url, new Dictionary<string, string?> { ["RawDataSource"] = "S3" });
        s3 = new AmazonS3Client(new BasicAWSCredentials(AwsGlueHarness.AccessKey, AwsGlueHarness.SecretKey),
            new AmazonS3Config { ServiceURL = url ?? "http://127.0.0.1:9", ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    string Database => $"raw-{suffix}";

    string Job => $"prep-{suffix}";

    string Bucket => $"lake-{suffix}";

    [Fact]
    public async Task Catalog_partitions_of_the_hour_the_last_run_started_and_later_are_new_with_the_crawlers_counts()
    {
        await CreateTableAsync("sales", ["ingest_date", "ingest_hour"], location: $"s3://{Bucket}/raw/sales/");
        await AddPartitionAsync("sales", ["2026-03-09", "23"], files: 4, bytes: 4000);
        await AddPartitionAsync("sales", ["2026-03-10", "09"], files: 2, bytes: 2000);
        await AddPartitionAsync("sales", ["2026-03-10", "10"], files: 3, bytes: 300);
        await AddPartitionAsync("sales", ["2026-03-11", "02"], files: 1, bytes: 100);

        var check = await catalog.Backend.CheckRawDataAsync(Job, Arguments("sales"), At("2026-03-10T10:30:00Z"), Token);

        Assert.True(check.HasNewData);
        Assert.Equal("ingest_date=2026-03-11/ingest_hour=02", check.NewestPartition);
        Assert.Equal((4, 400L), (check.NewFiles, check.NewBytes));
        Assert.Equal($"2 partitions of the raw table {Database}.sales in the Glue catalog at or after ingest_date=2026-03-10/ingest_hour=10", check.Basis);

        var nothing = await catalog.Backend.CheckRawDataAsync(Job, Arguments("sales"), At("2026-03-11T03:00:00Z"), Token);
        Assert.False(nothing.HasNewData);
        Assert.Null(nothing.NewestPartition);

        var never = await catalog.Backend.CheckRawDataAsync(Job, Arguments("sales"), null, Token);
        Assert.Equal((true, 10, 6400L), (never.HasNewData, never.NewFiles, never.NewBytes));
    }

    [Fact]
    public async Task Without_the_crawlers_counts_the_files_and_bytes_are_unknown_and_a_table_without_the_date_key_is_refused()
    {
        await CreateTableAsync("customer", ["ingest_date", "ingest_hour"], location: $"s3://{Bucket}/raw/customer/");
        await AddPartitionAsync("customer", ["2026-03-12", "00"], files: null, bytes: null);
        await CreateTableAsync("returns", ["year", "month"], location: $"s3://{Bucket}/raw/returns/");

        var check = await catalog.Backend.CheckRawDataAsync(Job, Arguments("customer"), At("2026-03-10T10:30:00Z"), Token);
        Assert.True(check.HasNewData);
        Assert.Equal((null, null), (check.NewFiles, check.NewBytes));

        var refused = await Assert.ThrowsAsync<GlueException>(() => catalog.Backend.CheckRawDataAsync(Job, Arguments("returns"), null, Token));
        Assert.Equal(GlueErrorCodes.InvalidInput, refused.ErrorCode);
        Assert.Contains($"{Database}.returns has the partition keys [year, month]; Orchestrator:Glue:Aws:RawDateKey 'ingest_date'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_S3_listing_counts_the_objects_modified_since_the_last_run_started_with_their_bytes()
    {
        await CreateTableAsync("sales", ["ingest_date", "ingest_hour"], location: $"s3://{Bucket}/raw/sales");
        await s3.PutBucketAsync(Bucket, Token);
        await PutAsync("raw/sales/ingest_date=2026-03-10/ingest_hour=09/a.jsonl", 10);
        await PutAsync("raw/sales/ingest_date=2026-03-10/ingest_hour=10/b.jsonl", 20);
        var old = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket }, Token);
        var since = new DateTimeOffset(old.S3Objects.Max(o => o.LastModified!.Value).ToUniversalTime().AddSeconds(1), TimeSpan.Zero);
        while (DateTimeOffset.UtcNow < since.AddSeconds(1))
        {
            await Task.Delay(100, Token);
        }

        await PutAsync("raw/sales/ingest_date=2026-03-10/ingest_hour=11/c.jsonl", 30);
        await PutAsync("raw/sales/ingest_date=2026-03-11/ingest_hour=00/d.jsonl", 40);
        await PutAsync("raw/sales/_temporary/e.jsonl", 50);

        var check = await listing.Backend.CheckRawDataAsync(Job, Arguments("sales"), since, Token);

        Assert.True(check.HasNewData);
        Assert.Equal((2, 70L), (check.NewFiles, check.NewBytes));
        Assert.Equal("ingest_date=2026-03-11/ingest_hour=00", check.NewestPartition);
        Assert.StartsWith($"2 of the 4 objects under s3://{Bucket}/raw/sales", check.Basis, StringComparison.Ordinal);

        var later = await listing.Backend.CheckRawDataAsync(Job, Arguments("sales"), DateTimeOffset.UtcNow.AddMinutes(1), Token);
        Assert.Equal((false, 0, 0L), (later.HasNewData, later.NewFiles, later.NewBytes));
    }

    /// <summary>The raw database comes from the job's DefaultArguments (GetJob), the table from the entity's arguments.</summary>
    static Dictionary<string, string> Arguments(string entity) => new() { ["--source_entity_name"] = entity };

    static DateTimeOffset At(string time) => DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);

    async Task CreateTableAsync(string table, string[] keys, string location)
    {
        if (moto.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        try
        {
            await CallAsync("CreateDatabase", new JsonObject { ["DatabaseInput"] = new JsonObject { ["Name"] = Database } });
            await CallAsync("CreateJob", new JsonObject
            {
                ["Name"] = Job,
                ["Role"] = "arn:aws:iam::123456789012:role/glue",
                ["Command"] = new JsonObject { ["Name"] = "glueetl", ["ScriptLocation"] = "s3://lake/scripts/data_preparation.py" },
                ["DefaultArguments"] = new JsonObject { ["--raw_db_name"] = Database },
            });
        }
        catch (GlueException ex) when (ex.ErrorCode.Contains("AlreadyExists", StringComparison.Ordinal))
        {
            // A second table of the same test.
        }

        await CallAsync("CreateTable", new JsonObject
        {
            ["DatabaseName"] = Database,
            ["TableInput"] = new JsonObject
            {
                ["Name"] = table,
                ["StorageDescriptor"] = new JsonObject { ["Location"] = location, ["Columns"] = new JsonArray(new JsonObject { ["Name"] = "id", ["Type"] = "bigint" }) },
                ["PartitionKeys"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["Name"] = k, ["Type"] = "string" })]),
            },
        });
    }

    async Task AddPartitionAsync(string table, string[] values, int? files, long? bytes)
    {
        var parameters = new JsonObject();
        if (files is not null)
        {
            parameters["objectCount"] = files.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters["sizeKey"] = bytes!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await CallAsync("CreatePartition", new JsonObject
        {
            ["DatabaseName"] = Database,
            ["TableName"] = table,
            ["PartitionInput"] = new JsonObject
            {
                ["Values"] = new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))]),
                ["Parameters"] = parameters,
            },
        });
    }

    async Task PutAsync(string key, int bytes) =>
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = new string('x', bytes) }, Token);

    Task<JsonObject> CallAsync(string operation, JsonObject request) =>
        catalog.Client.SendAsync(operation, request, TestGlueJsonContext.Default.JsonObject, TestGlueJsonContext.Default.JsonObject, GlueRetryScope.AllTransient, Token);

    public void Dispose()
    {
        s3.Dispose();
        listing.Dispose();
        catalog.Dispose();
    }
}
