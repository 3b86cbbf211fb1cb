using System.Text.Json.Nodes;
using Orchestrator.Glue.Aws;
using Orchestrator.Host.Rehearsal;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>
/// <c>rehearse</c> against a Glue <c>ServiceUrl</c> (moto_server, jobs and crawls finishing after two seconds): the
/// faults and the SIGKILL meet the AWS backend, and the invariants that do not need the lake hold.
/// </summary>
public sealed class MotoRehearsalTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>, IDisposable
{
    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_runs_with_faults_and_a_SIGKILL_against_a_Glue_ServiceUrl_keep_the_invariants()
    {
        if (moto.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        await CreateShippedGlueResourcesAsync();
        var config = await WriteConfigAsync();
        var options = new RehearsalOptions("data-preparation", Runs: 2, new RehearsalFaults(0.1, 0.05, 0.3, 0.1, 0.1), Crashes: 1, Seed: 3, directory.File("rehearsal"), config);
        using var output = new StringWriter();

        var report = await PipelineRehearsal.RunAsync(options, output, Token, async (file, url, token) =>
            await ServeProcess.StartServingAsync(file, url, token, isolated: true, new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
                ["AWS_SECRET_ACCESS_KEY"] = "test-secret",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
            }));
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());

        Assert.True(report.Passed, output.ToString());
        Assert.Single(report.Kills);
        Assert.True(report.Counts.GlueCalls["StartJobRun"] > 0, output.ToString());
        Assert.StartsWith("not checked", report.Invariant(RehearsalInvariant.Rows).Detail, StringComparison.Ordinal);
    }

    public void Dispose() => directory.Dispose();

    async Task CreateShippedGlueResourcesAsync()
    {
        await moto.SetTransitionAsync("glue::crawl", """{"progression": "time", "seconds": 2}""");
        await moto.SetTransitionAsync("glue::job_run", """{"progression": "time", "seconds": 2}""");
        using var glue = AwsGlueHarness.Create(moto.Url);
        foreach (var crawler in new[] { "mystore-raw-crawler", "mystore-clean-crawler" })
        {
            await CallAsync(glue, "CreateCrawler", new JsonObject
            {
                ["Name"] = crawler,
                ["Role"] = "arn:aws:iam::123456789012:role/glue",
                ["Targets"] = new JsonObject { ["S3Targets"] = new JsonArray(new JsonObject { ["Path"] = "s3://lake/" }) },
            });
        }

        await CallAsync(glue, "CreateJob", new JsonObject
        {
            ["Name"] = "mystore-data-preparation-parquet",
            ["Role"] = "arn:aws:iam::123456789012:role/glue",
            ["Command"] = new JsonObject { ["Name"] = "glueetl", ["ScriptLocation"] = "s3://lake/scripts/prep.py" },
            ["ExecutionProperty"] = new JsonObject { ["MaxConcurrentRuns"] = 10 },
        });
    }

    async Task<string> WriteConfigAsync()
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryRoot.File("appsettings.json"), Token))!.AsObject();
        var glue = config["Orchestrator"]!["Glue"]!.AsObject();
        glue["Backend"] = "Aws";
        glue["Aws"] = new JsonObject { ["Region"] = AwsGlueHarness.Region, ["ServiceUrl"] = moto.Url, ["ReconcileDelay"] = "00:00:00.200" };
        var path = directory.File("moto-appsettings.json");
        await File.WriteAllTextAsync(path, config.ToJsonString(), Token);
        return path;
    }

    static Task<JsonObject> CallAsync(AwsGlueHarness glue, string operation, JsonObject request) =>
        glue.Client.SendAsync(operation, request, TestGlueJsonContext.Default.JsonObject, TestGlueJsonContext.Default.JsonObject, GlueRetryScope.AllTransient, Token);
}
