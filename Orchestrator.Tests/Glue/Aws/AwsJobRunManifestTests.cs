using System.Text.Json.Nodes;
using Orchestrator.Glue;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// GetJobRunOutputAsync on AWS: the script's manifest read from S3 (here a WireMock stub of S3's documented answers,
/// on the Glue ServiceUrl, which S3 falls back to), signed like Glue calls and retried; every failure a warning.
/// </summary>
public sealed class AwsJobRunManifestTests : IDisposable
{
    const string ManifestPath = "/lake/_orchestrator/manifests/customer/jr_1.json";

    readonly WireMockServer server = WireMockServer.Start();
    readonly AwsGlueHarness glue;

    public AwsJobRunManifestTests() => glue = AwsGlueHarness.Create(server.Url);

    public void Dispose()
    {
        glue.Dispose();
        server.Dispose();
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    internal static GlueJobRun SucceededRun(string id, params (string Name, string Value)[] arguments) =>
        new(id, "prep", JobRunState.Succeeded, null, 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 60, null,
            arguments.ToDictionary(a => a.Name, a => a.Value));

    static GlueJobRun CustomerRun() =>
        SucceededRun("jr_1", ("--target_entity_name", "customer"), ("--orchestrator_run_marker", "r/customer/1"));

    void JobWithManifestBucket(string bucket = "lake") =>
        server.Respond("GetJob", GlueStubs.Json(new JsonObject
        {
            ["Job"] = new JsonObject
            {
                ["Name"] = "prep",
                ["DefaultArguments"] = new JsonObject
                {
                    ["--orchestrator_manifest_bucket"] = bucket,
                    ["--job-bookmark-option"] = "job-bookmark-enable",
                },
            },
        }.ToJsonString()));

    void ManifestAnswers(IResponseBuilder response) =>
        server.Given(Request.Create().WithPath(ManifestPath).UsingGet()).RespondWith(response);

    static IResponseBuilder S3Error(int status, string code, string message) =>
        Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/xml").WithBody(
            $"""<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>r1</RequestId></Error>""");

    static IResponseBuilder S3Object(string body) =>
        Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(body);

    const string Manifest = """
        {"manifest_version": 1, "job_name": "prep", "job_run_id": "jr_1", "run_marker": "r/customer/1",
         "entity": "customer", "database": "mystore_clean", "table": "customer", "partition_key": "created_date",
         "table_location": "s3://lake/clean/customer/", "written_at": "2026-03-10T12:05:00+00:00", "rows_written": 5,
         "partitions": [
           {"partition": "created_date=2026-03-09", "added": false, "rows": 1, "files": 1},
           {"partition": "created_date=2026-03-10", "added": true, "rows": 4, "files": 2}]}
        """;

    [Fact]
    public async Task The_manifest_in_the_bucket_the_job_names_lists_the_partitions_the_run_wrote()
    {
        JobWithManifestBucket();
        ManifestAnswers(S3Object(Manifest));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Null(output.Warning);
        Assert.Equal(
            [
                new PartitionWrite("created_date=2026-03-09", Added: false, Rows: 1, Files: 1),
                new PartitionWrite("created_date=2026-03-10", Added: true, Rows: 4, Files: 2),
            ],
            output.Partitions);
        var read = Assert.Single(server.LogEntries, e => e.RequestMessage.Path == ManifestPath).RequestMessage;
        Assert.Contains($"Credential={AwsGlueHarness.AccessKey}/", GlueStubs.Header(read, "Authorization"), StringComparison.Ordinal);
        Assert.Contains($"/{AwsGlueHarness.Region}/s3/aws4_request", GlueStubs.Header(read, "Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bucket_in_the_runs_own_arguments_needs_no_GetJob_and_an_empty_manifest_means_nothing_written()
    {
        server.Given(Request.Create().WithPath("/other/_orchestrator/manifests/customer/jr_1.json").UsingGet())
            .RespondWith(S3Object("""{"manifest_version": 1, "job_run_id": "jr_1", "partitions": []}"""));
        var run = SucceededRun("jr_1", ("--target_entity_name", "customer"), ("--orchestrator_manifest_bucket", "other"));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", run, Token);

        Assert.Null(output.Warning);
        Assert.Empty(output.Partitions);
        Assert.Empty(server.RequestsFor("GetJob"));
    }

    [Fact]
    public async Task A_missing_manifest_is_a_warning_naming_where_it_was_looked_for()
    {
        JobWithManifestBucket();
        server.Given(Request.Create().WithPath(ManifestPath).UsingGet())
            .RespondWith(S3Error(404, "NoSuchKey", "The specified key does not exist."));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Empty(output.Partitions);
        Assert.StartsWith("no manifest at s3://lake/_orchestrator/manifests/customer/jr_1.json", output.Warning, StringComparison.Ordinal);
        Assert.Single(server.LogEntries, e => e.RequestMessage.Path == ManifestPath);
    }

    [Fact]
    public async Task Access_denied_is_a_warning_that_explains_S3_hides_missing_objects_behind_it()
    {
        JobWithManifestBucket();
        ManifestAnswers(S3Error(403, "AccessDenied", "Access Denied"));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Empty(output.Partitions);
        Assert.Contains("no manifest at s3://lake/_orchestrator/manifests/customer/jr_1.json (AccessDenied)", output.Warning, StringComparison.Ordinal);
        Assert.Contains("s3:GetObject on s3://lake/_orchestrator/manifests/*", output.Warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"manifest_version\": 1, \"partitions\": [", "is not valid JSON")]
    [InlineData("<html>oops</html>", "is not valid JSON")]
    [InlineData("{\"manifest_version\": 2, \"partitions\": []}", "manifest_version is 2; this orchestrator reads version 1")]
    [InlineData("{\"manifest_version\": 1}", "it has no 'partitions' list")]
    [InlineData("{\"manifest_version\": 1, \"job_run_id\": \"jr_0\", \"partitions\": []}", "it is the manifest of job run 'jr_0'")]
    [InlineData("{\"manifest_version\": 1, \"partitions\": [{\"partition\": \"2026-03-09\", \"rows\": 1}]}", "partitions[0].partition '2026-03-09' is not key=value")]
    [InlineData("{\"manifest_version\": 1, \"partitions\": [{\"partition\": \"d=1\", \"rows\": 1}, {\"partition\": \"d=2\"}]}", "partitions[1].rows is missing or negative")]
    public async Task A_malformed_manifest_is_a_warning_naming_its_object_key(string body, string problem)
    {
        JobWithManifestBucket();
        ManifestAnswers(S3Object(body));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Empty(output.Partitions);
        Assert.Contains("the manifest at s3://lake/_orchestrator/manifests/customer/jr_1.json", output.Warning, StringComparison.Ordinal);
        Assert.Contains(problem, output.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throttled_or_failing_read_is_retried_like_a_glue_call()
    {
        JobWithManifestBucket();
        var scenario = "s3-" + Guid.NewGuid().ToString("N");
        server.Given(Request.Create().WithPath(ManifestPath).UsingGet()).InScenario(scenario).WillSetStateTo("second")
            .RespondWith(S3Error(503, "SlowDown", "Please reduce your request rate."));
        server.Given(Request.Create().WithPath(ManifestPath).UsingGet()).InScenario(scenario).WhenStateIs("second")
            .WillSetStateTo("third").RespondWith(S3Error(500, "InternalError", "We encountered an internal error."));
        server.Given(Request.Create().WithPath(ManifestPath).UsingGet()).InScenario(scenario).WhenStateIs("third")
            .WillSetStateTo("third").RespondWith(S3Object(Manifest));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Null(output.Warning);
        Assert.Equal(2, output.Partitions.Count);
        Assert.Equal(3, server.LogEntries.Count(e => e.RequestMessage.Path == ManifestPath));
    }

    [Fact]
    public async Task A_read_failing_on_every_attempt_is_a_warning_after_MaxAttempts()
    {
        JobWithManifestBucket();
        ManifestAnswers(S3Error(503, "SlowDown", "Please reduce your request rate."));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Empty(output.Partitions);
        Assert.Contains("the manifest at s3://lake/_orchestrator/manifests/customer/jr_1.json could not be read", output.Warning, StringComparison.Ordinal);
        Assert.Equal(3, server.LogEntries.Count(e => e.RequestMessage.Path == ManifestPath));
    }

    [Fact]
    public async Task Without_a_bucket_argument_or_setting_the_warning_says_what_to_set()
    {
        server.Respond("GetJob", GlueStubs.Json("""{"Job": {"Name": "prep", "DefaultArguments": {}}}"""));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Empty(output.Partitions);
        Assert.Contains("job prep has no --orchestrator_manifest_bucket argument and Orchestrator:Glue:Aws:ManifestBucket is not set",
            output.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ManifestBucket_setting_serves_jobs_that_name_no_bucket()
    {
        using var configured = AwsGlueHarness.Create(server.Url, new Dictionary<string, string?> { ["ManifestBucket"] = "lake" });
        server.Respond("GetJob", GlueStubs.Json("""{"Job": {"Name": "prep", "DefaultArguments": {}}}"""));
        ManifestAnswers(S3Object(Manifest));

        var output = await configured.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Null(output.Warning);
        Assert.Equal(5, output.Partitions.Sum(p => p.Rows));
    }

    [Fact]
    public async Task A_failing_GetJob_is_a_warning_too()
    {
        server.Respond("GetJob", GlueStubs.Error("AccessDeniedException", "not allowed", 400));

        var output = await glue.Backend.GetJobRunOutputAsync("prep", CustomerRun(), Token);

        Assert.Empty(output.Partitions);
        Assert.Contains("the manifest of job run jr_1 could not be located: GetJob prep failed", output.Warning, StringComparison.Ordinal);
    }
}
