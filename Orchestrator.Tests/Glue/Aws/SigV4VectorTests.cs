using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace Orchestrator.Tests.Glue.Aws;

/// <summary>The vector of docs/glue-api-notes.md ("A SigV4 test vector"), cross-checked there against botocore.</summary>
public sealed class SigV4VectorTests
{
    static AWSSigningResult Sign(AWSCredentials credentials)
    {
        var request = new AWSSigningRequest
        {
            HttpMethod = HttpMethod.Post,
            RequestUri = new Uri("https://glue.eu-west-1.amazonaws.com/"),
            Content = Encoding.UTF8.GetBytes("""{"JobName":"j1","RunId":"jr_1"}"""),
        };
        request.Headers["Content-Type"] = "application/x-amz-json-1.1";
        request.Headers["X-Amz-Target"] = "AWSGlue.GetJobRun";
        return AWSSigV4Signer.Sign(request, new AWSSigV4Parameters
        {
            Credentials = credentials,
            Region = RegionEndpoint.EUWest1,
            Service = "glue",
            SignedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        });
    }

    [Fact]
    public void Signs_the_GetJobRun_vector_like_botocore()
    {
        var result = Sign(new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));

        Assert.Equal("20260101T000000Z", result.Headers["X-Amz-Date"]);
        Assert.Equal("9402efc5d2a2ea13faae7befd862e6dcdb53a5e061a9cbfe7c7d36e7dd3fdc61", result.Headers["X-Amz-Content-SHA256"]);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/glue/aws4_request, " +
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, " +
            "Signature=79179f3311a9a62554b93f5638d886f6bb5b9441f41347bdc3a280ec51d7d919",
            result.Headers["Authorization"]);
    }

    [Fact]
    public void Signs_the_session_token_with_temporary_credentials()
    {
        var result = Sign(new SessionAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSIONTOKEN"));

        Assert.Equal("SESSIONTOKEN", result.Headers.Single(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Contains("x-amz-security-token", result.Headers["Authorization"], StringComparison.Ordinal);
        Assert.EndsWith("Signature=52c4874a2631aeedfacf5ac5fb05832310f124aa7792154f309a088b5e16f1a8", result.Headers["Authorization"], StringComparison.Ordinal);
    }
}
