using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>Untyped JSON for the test-only Glue calls (CreateCrawler, CreateJob) sent through the product's client.</summary>
[JsonSerializable(typeof(JsonObject))]
sealed partial class TestGlueJsonContext : JsonSerializerContext;
