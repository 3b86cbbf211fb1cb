namespace Orchestrator.Tests.Hosting;

/// <summary>One <see cref="TestHost"/> for a whole test class whose tests change nothing (refusals, headers).</summary>
public sealed class SharedTestHost : IAsyncLifetime
{
    TestHost? host;

    public TestHost Host => host ?? throw new InvalidOperationException("The host has not started.");

    public async ValueTask InitializeAsync() => host = await TestHost.StartAsync(sampleRows: 0);

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }
}
