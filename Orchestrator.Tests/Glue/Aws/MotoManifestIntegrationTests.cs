using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Orchestrator.Glue;
using Orchestrator.Glue.Aws;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// The manifest path against moto_server's S3 and Glue: a job whose default arguments name the manifest bucket, a real
/// job run, and its manifest present (also as the PySpark script builds it), missing, or malformed.
/// </summary>
public sealed class MotoManifestIntegrationTests : IClassFixture<MotoServerFixture>, IDisposable
{
    readonly MotoServerFixture moto;
    readonly AwsGlueHarness glue;
    readonly AmazonS3Client s3;
    readonly string bucket = $"lake-{Guid.NewGuid():N}"[..20];

    public MotoManifestIntegrationTests(MotoServerFixture moto)
    {
        this.moto = moto;
        glue = AwsGlueHarness.Create(moto.SkipReason is null ? moto.Url : null);
        s3 = new AmazonS3Client(new BasicAWSCredentials(AwsGlueHarness.AccessKey, AwsGlueHarness.SecretKey),
            new AmazonS3Config
            {
                ServiceURL = moto.SkipReason is null ? moto.Url : "http://127.0.0.1:9",
                ForcePathStyle = true,
                // moto keeps one S3 for every region; us-east-1 creates a bucket without a location constraint.
                AuthenticationRegion = "us-east-1",
            });
    }

    public void Dispose()
    {
        s3.Dispose();
        glue.Dispose();
    }

    static readonly PartitionWrite[] Written =
    [
        new("created_date=2026-03-09", Added: false, Rows: 1, Files: 1),
        new("created_date=2026-03-10", Added: true, Rows: 4, Files: 2),
    ];

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_manifest_present_lists_the_partitions_the_run_wrote()
    {
        var (job, run) = await SucceededRunAsync();
        await PutAsync(run.Id, $$"""
            {"manifest_version": 1, "job_run_id": "{{run.Id}}", "entity": "customer",
             "partitions": [{"partition": "created_date=2026-03-09", "added": false, "rows": 1, "files": 1},
                            {"partition": "created_date=2026-03-10", "added": true, "rows": 4, "files": 2}]}
            """);

        var output = await glue.Backend.GetJobRunOutputAsync(job, run, Token);

        Assert.Null(output.Warning);
        Assert.Equal(Written, output.Partitions);
    }

    [Fact]
    public async Task The_manifest_the_pyspark_script_builds_is_read_as_it_meant_it()
    {
        var python = CommandLineTool.Find("python3");
        if (python is null)
        {
            Assert.Skip("python3 is not on PATH, so deploy/aws/data_preparation.py could not build a manifest.");
        }

        var (job, run) = await SucceededRunAsync();
        var script = await python.RunAsync(
            ["-c", "import json, datetime, data_preparation as d\n" +
                "a = d.JobArguments.from_resolved({'JOB_NAME': 'prep', 'JOB_RUN_ID': '" + run.Id + "', " +
                "'source_entity_name': 'customer', 'target_entity_name': 'customer', " +
                "'datetime_partition_column': 'created_datetime', 'partition_key': 'created_date', " +
                "'raw_db_name': 'raw', 'clean_db_name': 'clean'})\n" +
                "t0, t1 = datetime.datetime(2026, 3, 10), datetime.datetime(2026, 3, 11)\n" +
                "w = d.partition_writes('created_date', ['2026-03-09', '2026-03-10'], {'2026-03-09': 1, '2026-03-10': 4}, " +
                "{'2026-03-09': {'a': t0}}, {'2026-03-09': {'a': t0, 'b': t1}, '2026-03-10': {'c': t1, 'd': t1}})\n" +
                "print(json.dumps(d.build_manifest(a, 's3://lake/clean/customer/', w, " +
                "datetime.datetime.now(datetime.timezone.utc))))"],
            RepositoryRoot.File(Path.Combine("deploy", "aws")),
            new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Assert.True(script.ExitCode == 0, $"the script could not build a manifest:\n{script.Output}");
        Assert.Equal(JobRunManifests.Key("customer", run.Id),
            "_orchestrator/manifests/customer/" + run.Id + ".json");
        await PutAsync(run.Id, script.StandardOutput);

        var output = await glue.Backend.GetJobRunOutputAsync(job, run, Token);

        Assert.Null(output.Warning);
        Assert.Equal(Written, output.Partitions);
    }

    [Fact]
    public async Task A_missing_manifest_is_a_warning_and_not_an_error()
    {
        var (job, run) = await SucceededRunAsync();

        var output = await glue.Backend.GetJobRunOutputAsync(job, run, Token);

        Assert.Empty(output.Partitions);
        Assert.StartsWith($"no manifest at s3://{bucket}/_orchestrator/manifests/customer/{run.Id}.json",
            output.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_that_is_not_json_is_a_warning_naming_its_key()
    {
        var (job, run) = await SucceededRunAsync();
        await PutAsync(run.Id, "{\"manifest_version\": 1, \"partitions\": [ truncated");

        var output = await glue.Backend.GetJobRunOutputAsync(job, run, Token);

        Assert.Empty(output.Partitions);
        Assert.Contains($"the manifest at s3://{bucket}/_orchestrator/manifests/customer/{run.Id}.json is not valid JSON",
            output.Warning, StringComparison.Ordinal);
    }

    /// <summary>A bucket, a job naming it as the manifest bucket, and a run of it driven to SUCCEEDED by moto.</summary>
    async Task<(string Job, GlueJobRun Run)> SucceededRunAsync()
    {
        if (moto.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Token);
        var job = $"job-{Guid.NewGuid():N}";
        await glue.Client.SendAsync("CreateJob", new JsonObject
        {
            ["Name"] = job,
            ["Role"] = "arn:aws:iam::123456789012:role/glue",
            ["Command"] = new JsonObject { ["Name"] = "glueetl", ["ScriptLocation"] = $"s3://{bucket}/data_preparation.py" },
            ["DefaultArguments"] = new JsonObject { [JobRunManifests.BucketArgument] = bucket },
        }, TestGlueJsonContext.Default.JsonObject, TestGlueJsonContext.Default.JsonObject, GlueRetryScope.AllTransient, Token);
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "immediate"}""");
        var start = await glue.Backend.StartJobRunAsync(job,
            new Dictionary<string, string> { ["--target_entity_name"] = "customer" }, "run/customer/1", Token);
        var run = await glue.Backend.GetJobRunAsync(job, start.RunId, Token);
        for (var polls = 0; run.State != JobRunState.Succeeded && polls < 100; polls++)
        {
            await Task.Delay(50, Token);
            run = await glue.Backend.GetJobRunAsync(job, start.RunId, Token);
        }

        Assert.Equal(JobRunState.Succeeded, run.State);
        return (job, run);
    }

    Task PutAsync(string runId, string body) =>
        s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = JobRunManifests.Key("customer", runId),
            ContentBody = body,
            ContentType = "application/json",
        }, Token);
}
