using System.Text.Json.Serialization;

namespace Orchestrator.Glue.Aws.Wire;

/// <summary>Source-generated (de)serializers for the Glue JSON 1.1 messages; unknown members are ignored.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CrawlerNameRequest))]
[JsonSerializable(typeof(GetCrawlerResponse))]
[JsonSerializable(typeof(GetCrawlerMetricsRequest))]
[JsonSerializable(typeof(GetCrawlerMetricsResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(GetJobRequest))]
[JsonSerializable(typeof(GetJobResponse))]
[JsonSerializable(typeof(StartJobRunRequest))]
[JsonSerializable(typeof(StartJobRunResponse))]
[JsonSerializable(typeof(GetJobRunRequest))]
[JsonSerializable(typeof(GetJobRunResponse))]
[JsonSerializable(typeof(GetJobRunsRequest))]
[JsonSerializable(typeof(GetJobRunsResponse))]
[JsonSerializable(typeof(BatchStopJobRunRequest))]
[JsonSerializable(typeof(BatchStopJobRunResponse))]
[JsonSerializable(typeof(GetTableRequest))]
[JsonSerializable(typeof(GetTableResponse))]
[JsonSerializable(typeof(GetPartitionsRequest))]
[JsonSerializable(typeof(GetPartitionsResponse))]
[JsonSerializable(typeof(ErrorBody))]
sealed partial class GlueJsonContext : JsonSerializerContext;
