using System.Text.Json.Serialization;

namespace Orchestrator.Glue.Aws.Wire;

// Glue's job-run shapes (service model glue/2017-03-31), only the members the orchestrator reads.

sealed record StartJobRunRequest(string JobName, IReadOnlyDictionary<string, string> Arguments);

sealed record StartJobRunResponse(string? JobRunId);

sealed record GetJobRunRequest(string JobName, string RunId);

sealed record GetJobRunResponse(JobRunDto? JobRun);

sealed record GetJobRunsRequest(string JobName, int MaxResults, string? NextToken);

/// <summary>Real Glue lists newest first; moto lists oldest first.</summary>
sealed record GetJobRunsResponse(IReadOnlyList<JobRunDto>? JobRuns, string? NextToken);

/// <summary>Timestamps are epoch seconds with a fraction; ExecutionTime is whole seconds.</summary>
sealed record JobRunDto(
    string? Id,
    int? Attempt,
    string? PreviousRunId,
    string? JobName,
    JobRunState? JobRunState,
    string? ErrorMessage,
    double? StartedOn,
    double? LastModifiedOn,
    double? CompletedOn,
    int? ExecutionTime,
    int? Timeout,
    [property: JsonPropertyName("DPUSeconds")] double? DpuSeconds,
    IReadOnlyDictionary<string, string>? Arguments,
    string? StateDetail,
    double? MaxCapacity = null,
    string? WorkerType = null,
    int? NumberOfWorkers = null,
    string? ExecutionClass = null,
    string? GlueVersion = null);

sealed record BatchStopJobRunRequest(string JobName, IReadOnlyList<string> JobRunIds);

/// <summary>Per-run failures come back here with HTTP 200.</summary>
sealed record BatchStopJobRunResponse(
    IReadOnlyList<BatchStopJobRunSuccessDto>? SuccessfulSubmissions,
    IReadOnlyList<BatchStopJobRunErrorDto>? Errors);

sealed record BatchStopJobRunSuccessDto(string? JobName, string? JobRunId);

sealed record BatchStopJobRunErrorDto(string? JobName, string? JobRunId, ErrorDetailDto? ErrorDetail);

sealed record ErrorDetailDto(string? ErrorCode, string? ErrorMessage);
