using Orchestrator.Glue;
using WireMock.Server;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>GetJob, GetJobRun and BatchStopJobRun against stubs of Glue's documented answers.</summary>
public sealed class AwsGlueJobContractTests : IDisposable
{
    readonly WireMockServer server = WireMockServer.Start();
    readonly AwsGlueHarness glue;

    public AwsGlueJobContractTests() => glue = AwsGlueHarness.Create(server.Url);

    public void Dispose()
    {
        glue.Dispose();
        server.Dispose();
    }

    [Fact]
    public async Task GetJob_reads_concurrency_timeout_and_default_arguments()
    {
        server.Respond("GetJob", GlueStubs.Json("""
            {"Job": {"Name": "prep", "Role": "arn:aws:iam::123456789012:role/glue",
              "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/prep.py", "PythonVersion": "3"},
              "DefaultArguments": {"--job-bookmark-option": "job-bookmark-enable", "--target_entity_name": "x"},
              "NonOverridableArguments": {"--conf": "y"}, "ExecutionProperty": {"MaxConcurrentRuns": 4},
              "MaxRetries": 0, "Timeout": 120, "WorkerType": "G.1X", "NumberOfWorkers": 2, "MaxCapacity": 2.0,
              "GlueVersion": "5.0", "ExecutionClass": "STANDARD", "JobRunQueuingEnabled": false}}
            """));

        var job = await glue.Backend.GetJobAsync("prep", TestContext.Current.CancellationToken);

        Assert.Equal("prep", job.Name);
        Assert.Equal(4, job.MaxConcurrentRuns);
        Assert.Equal(120, job.TimeoutMinutes);
        Assert.Equal("job-bookmark-enable", job.DefaultArguments["--job-bookmark-option"]);
        Assert.Equal(2, job.DefaultArguments.Count);
        var request = Assert.Single(server.RequestsFor("GetJob"));
        SignedGlueRequest.AssertValid(request, "GetJob");
        Assert.Equal("""{"JobName":"prep"}""", GlueStubs.BodyJson(request).ToJsonString());
    }

    [Fact]
    public async Task GetJob_of_an_unknown_job_fails_at_once()
    {
        server.Respond("GetJob", GlueStubs.Error("EntityNotFoundException", "Job nope not found."));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.GetJobAsync("nope", TestContext.Current.CancellationToken));

        Assert.Equal(GlueErrorCodes.EntityNotFound, error.ErrorCode);
        Assert.Single(server.RequestsFor("GetJob"));
    }

    [Fact]
    public async Task GetJobRun_reads_every_field_the_orchestrator_uses()
    {
        server.Respond("GetJobRun", GlueStubs.Json("""
            {"JobRun": {"Id": "jr_1", "Attempt": 1, "PreviousRunId": "jr_0", "JobName": "prep", "JobRunState": "FAILED",
              "ErrorMessage": "AnalysisException: Path does not exist", "StartedOn": 1795528965.205,
              "LastModifiedOn": 1795529000.5, "CompletedOn": 1795529065.75, "ExecutionTime": 97, "Timeout": 120,
              "DPUSeconds": 388.5, "MaxCapacity": 2.0, "WorkerType": "G.1X", "NumberOfWorkers": 2,
              "Arguments": {"--source_entity_name": "customer", "--orchestrator_run_marker": "run@1/customer/1"},
              "LogGroupName": "/aws-glue/jobs", "GlueVersion": "5.0", "ExecutionClass": "FLEX", "PredecessorRuns": []}}
            """));

        var run = await glue.Backend.GetJobRunAsync("prep", "jr_1", TestContext.Current.CancellationToken);

        Assert.Equal("jr_1", run.Id);
        Assert.Equal("prep", run.JobName);
        Assert.Equal(JobRunState.Failed, run.State);
        Assert.True(run.State.IsTerminal);
        Assert.Equal("AnalysisException: Path does not exist", run.ErrorMessage);
        Assert.Equal(1, run.Attempt);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795528965205), run.StartedOn);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795529065750), run.CompletedOn);
        Assert.Equal(97, run.ExecutionTimeSeconds);
        Assert.Equal(388.5, run.DpuSeconds);
        Assert.Equal(new JobRunCapacity(2.0, "G.1X", 2, "FLEX", "5.0"), run.Capacity);
        Assert.Equal("run@1/customer/1", run.Marker);
        Assert.Equal("customer", run.Arguments["--source_entity_name"]);
        var request = Assert.Single(server.RequestsFor("GetJobRun"));
        SignedGlueRequest.AssertValid(request, "GetJobRun");
        Assert.Equal("""{"JobName":"prep","RunId":"jr_1"}""", GlueStubs.BodyJson(request).ToJsonString());
    }

    [Fact]
    public async Task GetJobRun_keeps_an_unknown_state_as_text_and_not_terminal()
    {
        server.Respond("GetJobRun", GlueStubs.Json("""
            {"JobRun": {"Id": "jr_2", "JobName": "prep", "JobRunState": "QUEUED_FOR_CAPACITY", "StartedOn": 1795528965}}
            """));

        var run = await glue.Backend.GetJobRunAsync("prep", "jr_2", TestContext.Current.CancellationToken);

        Assert.Equal("QUEUED_FOR_CAPACITY", run.State.Value);
        Assert.False(run.State.IsTerminal);
        Assert.Equal(0, run.Attempt);
        Assert.Null(run.CompletedOn);
        Assert.Null(run.DpuSeconds);
        Assert.Null(run.Capacity!.Dpu);
        Assert.Empty(run.Arguments);
        Assert.Null(run.Marker);
    }

    [Fact]
    public async Task GetJobRun_without_a_JobRun_is_one_clear_error()
    {
        server.Respond("GetJobRun", GlueStubs.Json("{}"));

        var error = await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.GetJobRunAsync("prep", "jr_2", TestContext.Current.CancellationToken));

        Assert.Equal("InvalidResponse", error.ErrorCode);
        Assert.Contains("JobRun", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopJobRuns_returns_the_per_run_errors_Glue_reports_with_HTTP_200()
    {
        server.Respond("BatchStopJobRun", GlueStubs.Json("""
            {"SuccessfulSubmissions": [{"JobName": "prep", "JobRunId": "jr_1"}],
             "Errors": [{"JobName": "prep", "JobRunId": "jr_2",
                         "ErrorDetail": {"ErrorCode": "InvalidInputException", "ErrorMessage": "Job run jr_2 is already in a terminal state"}}]}
            """));

        var errors = await glue.Backend.StopJobRunsAsync("prep", ["jr_1", "jr_2"], TestContext.Current.CancellationToken);

        var error = Assert.Single(errors);
        Assert.Equal(new JobRunStopError("jr_2", "InvalidInputException", "Job run jr_2 is already in a terminal state"), error);
        var request = Assert.Single(server.RequestsFor("BatchStopJobRun"));
        SignedGlueRequest.AssertValid(request, "BatchStopJobRun");
        Assert.Equal("""{"JobName":"prep","JobRunIds":["jr_1","jr_2"]}""", GlueStubs.BodyJson(request).ToJsonString());
    }

    [Fact]
    public async Task StopJobRuns_sends_at_most_25_ids_per_request()
    {
        server.Respond("BatchStopJobRun", GlueStubs.Json("""{"SuccessfulSubmissions": [], "Errors": []}"""));
        var ids = Enumerable.Range(1, 30).Select(i => $"jr_{i}").ToList();

        var errors = await glue.Backend.StopJobRunsAsync("prep", ids, TestContext.Current.CancellationToken);

        Assert.Empty(errors);
        var sent = server.RequestsFor("BatchStopJobRun")
            .Select(r => GlueStubs.BodyJson(r)["JobRunIds"]!.AsArray().Select(n => n!.GetValue<string>()).ToList())
            .ToList();
        Assert.Equal([25, 5], sent.Select(s => s.Count));
        Assert.Equal(ids, sent.SelectMany(s => s));
    }

    [Fact]
    public async Task StopJobRuns_of_nothing_sends_nothing()
    {
        var errors = await glue.Backend.StopJobRunsAsync("prep", [], TestContext.Current.CancellationToken);

        Assert.Empty(errors);
        Assert.Empty(server.LogEntries);
    }

    [Fact]
    public async Task Calls_are_counted_per_operation_and_outcome()
    {
        server.Respond("GetJob", GlueStubs.Json("""{"Job": {"Name": "prep"}}"""));
        server.Respond("GetJobRun", GlueStubs.Error("EntityNotFoundException", "Job run jr_9 not found."));

        await glue.Backend.GetJobAsync("prep", TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<GlueException>(
            () => glue.Backend.GetJobRunAsync("prep", "jr_9", TestContext.Current.CancellationToken));

        Assert.Equal([("GetJob", "success"), ("GetJobRun", "EntityNotFoundException")], glue.Calls);
    }
}
