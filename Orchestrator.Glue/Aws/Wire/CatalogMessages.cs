namespace Orchestrator.Glue.Aws.Wire;

// Glue's Data Catalog shapes (service model glue/2017-03-31), only the members the orchestrator reads.

sealed record GetTableRequest(string DatabaseName, string Name);

sealed record GetTableResponse(TableDto? Table);

sealed record TableDto(string? Name, StorageDescriptorDto? StorageDescriptor, IReadOnlyList<ColumnDto>? PartitionKeys);

sealed record StorageDescriptorDto(string? Location);

sealed record ColumnDto(string? Name, string? Type);

sealed record GetPartitionsRequest(string DatabaseName, string TableName, string? Expression, string? NextToken, int MaxResults);

sealed record GetPartitionsResponse(IReadOnlyList<PartitionDto>? Partitions, string? NextToken);

/// <summary>A partition; crawlers record <c>objectCount</c> and <c>sizeKey</c> (bytes) among its Parameters.</summary>
sealed record PartitionDto(IReadOnlyList<string>? Values, IReadOnlyDictionary<string, string>? Parameters);
