using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using WireMock;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>Checks that a request WireMock received is a well-formed, correctly signed Glue JSON 1.1 call.</summary>
static class SignedGlueRequest
{
    public static void AssertValid(IRequestMessage request, string operation)
    {
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.Path);
        Assert.Equal("AWSGlue." + operation, GlueStubs.Header(request, "X-Amz-Target"));
        Assert.Equal(GlueStubs.JsonContentType, GlueStubs.Header(request, "Content-Type"));

        // The signer runs on every attempt: a retried message must carry one fresh signature, not two.
        Assert.Single(HeaderValues(request, "Authorization"));
        Assert.Single(HeaderValues(request, "X-Amz-Date"));

        var amzDate = GlueStubs.Header(request, "X-Amz-Date");
        Assert.NotNull(amzDate);
        Assert.Matches("^[0-9]{8}T[0-9]{6}Z$", amzDate);

        var authorization = GlueStubs.Header(request, "Authorization");
        Assert.NotNull(authorization);
        var match = Regex.Match(authorization,
            "^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>[0-9]{8})/(?<region>[a-z0-9-]+)/glue/aws4_request, " +
            "SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})$");
        Assert.True(match.Success, $"Authorization header is not SigV4 for glue: {authorization}");
        Assert.Equal(AwsGlueHarness.AccessKey, match.Groups["key"].Value);
        Assert.Equal(amzDate[..8], match.Groups["date"].Value);
        Assert.Equal(AwsGlueHarness.Region, match.Groups["region"].Value);
        var signedHeaders = match.Groups["headers"].Value.Split(';');
        Assert.Subset(signedHeaders.ToHashSet(), new HashSet<string> { "content-type", "host", "x-amz-date", "x-amz-target" });

        Assert.Equal(authorization, Resign(request, signedHeaders, amzDate));
    }

    static IReadOnlyList<string> HeaderValues(IRequestMessage request, string name) =>
        [.. (request.Headers ?? new Dictionary<string, WireMock.Types.WireMockList<string>>())
            .Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value)];

    /// <summary>Signs the received request again with the SDK's standalone signer at its own X-Amz-Date.</summary>
    static string Resign(IRequestMessage request, string[] signedHeaders, string amzDate)
    {
        var host = GlueStubs.Header(request, "Host") ?? throw new InvalidOperationException("no Host header");
        var signing = new AWSSigningRequest
        {
            HttpMethod = HttpMethod.Post,
            RequestUri = new Uri($"http://{host}{request.Path}"),
            Content = Encoding.UTF8.GetBytes(request.Body ?? string.Empty),
        };
        foreach (var name in signedHeaders.Where(h => h is not "host" and not "x-amz-date"))
        {
            signing.Headers[name] = GlueStubs.Header(request, name) ?? throw new InvalidOperationException($"no {name}");
        }

        var result = AWSSigV4Signer.Sign(signing, new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(AwsGlueHarness.AccessKey, AwsGlueHarness.SecretKey),
            Region = RegionEndpoint.GetBySystemName(AwsGlueHarness.Region),
            Service = "glue",
            SignedAt = DateTime.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        });
        return result.Headers["Authorization"];
    }
}
