using Amazon;
using Amazon.Runtime;

namespace Orchestrator.Glue.Aws;

/// <summary>Where Glue calls go and as whom they are signed, once resolved.</summary>
sealed record AwsGlueEndpoint(Uri ServiceUrl, RegionEndpoint Region, AWSCredentials Credentials);
