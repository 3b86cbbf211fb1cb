namespace Orchestrator.Tests.Deployment;

/// <summary>A named podman volume for /data, with the tests' label; removed on dispose.</summary>
public sealed class DataVolume : IAsyncDisposable
{
    readonly Podman podman;

    DataVolume(Podman podman, string name)
    {
        this.podman = podman;
        Name = name;
    }

    public string Name { get; }

    public static async Task<DataVolume> CreateAsync(Podman podman)
    {
        var volume = new DataVolume(podman, $"orchestrator-test-{Guid.NewGuid():N}"[..32]);
        await podman.CheckedAsync(["volume", "create", "--label", $"{Podman.TestLabel}=true", volume.Name]);
        return volume;
    }

    public async ValueTask DisposeAsync() => await podman.RemoveAsync([], [Name]);
}
