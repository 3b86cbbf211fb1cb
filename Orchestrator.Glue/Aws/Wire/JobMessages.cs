namespace Orchestrator.Glue.Aws.Wire;

// Glue's job shapes (service model glue/2017-03-31), only the members the orchestrator reads.

sealed record GetJobRequest(string JobName);

sealed record GetJobResponse(JobDto? Job);

sealed record JobDto(
    string? Name,
    ExecutionPropertyDto? ExecutionProperty,
    IReadOnlyDictionary<string, string>? DefaultArguments,
    IReadOnlyDictionary<string, string>? NonOverridableArguments,
    int? MaxRetries,
    int? Timeout,
    string? WorkerType,
    int? NumberOfWorkers,
    double? MaxCapacity,
    string? GlueVersion,
    string? ExecutionClass);

sealed record ExecutionPropertyDto(int? MaxConcurrentRuns);
