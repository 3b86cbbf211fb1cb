using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Orchestrator.Benchmarks.Peers;

/// <summary>
/// Azurite, the Azure Storage emulator, for DurableTask.AzureStorage's row: installed with <c>npm ci</c> from the
/// committed lockfile (Peers/azurite) into the benchmark's own output folder, then one fresh instance per run on
/// free loopback ports with in-memory persistence (it slows down as data builds up in it), stopped by its process id.
/// </summary>
sealed class Azurite : IAsyncDisposable
{
    // Azurite's documented development account (the same for every installation; not a secret).
    const string Account = "devstoreaccount1";
    const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    readonly Process process;

    Azurite(Process process, string connectionString)
    {
        this.process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <summary>The emulator's own peak RSS (a node process, apart from the worker's).</summary>
    public double? PeakRssMegabytes => PeakMemory.Megabytes(process.Id);

    static string Folder => Path.Combine(AppContext.BaseDirectory, "azurite");

    static string Executable => Path.Combine(Folder, "node_modules", ".bin", "azurite");

    /// <summary>Why Azurite cannot run here (node or npm not on PATH), or null.</summary>
    public static string? MissingTools()
    {
        var missing = new[] { "node", "npm" }.Where(tool => !OnPath(tool)).ToList();
        return missing.Count == 0 ? null
            : $"{string.Join(" and ", missing)} not found on PATH: DurableTask.AzureStorage races on Azurite, which needs Node.js 20 or newer with npm "
              + "(Debian: apt-get install nodejs npm). Or leave that store out: --providers sqlite-sessions sqlite in-memory";
    }

    /// <summary>Runs <c>npm ci</c> unless this lockfile is already installed.</summary>
    public static async Task InstallAsync(TimeSpan bound)
    {
        var stamp = Path.Combine(Folder, "node_modules", ".installed-lock-sha256");
        var lockHash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(Folder, "package-lock.json"))));
        if (File.Exists(Executable) && File.Exists(stamp) && await File.ReadAllTextAsync(stamp) == lockHash)
        {
            return;
        }

        Console.WriteLine($"installing Azurite with npm ci into {Folder}");
        using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund"]) { WorkingDirectory = Folder, RedirectStandardError = true })
            ?? throw new InvalidOperationException("npm did not start");
        var errors = npm.StandardError.ReadToEndAsync();
        try
        {
            await npm.WaitForExitAsync().WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            npm.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"npm ci in {Folder} did not finish in {bound.TotalSeconds:F0} s");
        }

        if (npm.ExitCode != 0 || !File.Exists(Executable))
        {
            throw new InvalidOperationException($"npm ci in {Folder} failed (exit {npm.ExitCode}): {await errors}");
        }

        await File.WriteAllTextAsync(stamp, lockHash);
    }

    /// <summary>Starts a fresh, empty Azurite and waits until its three services accept connections.</summary>
    public static async Task<Azurite> StartAsync(TimeSpan bound)
    {
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var process = Process.Start(new ProcessStartInfo(Executable,
        [
            "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--blobPort", Port(blob), "--queueHost", "127.0.0.1", "--queuePort", Port(queue),
            "--tableHost", "127.0.0.1", "--tablePort", Port(table),
        ])
        { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true }) ?? throw new InvalidOperationException("Azurite did not start");
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var connection = $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};"
            + $"BlobEndpoint=http://127.0.0.1:{blob}/{Account};QueueEndpoint=http://127.0.0.1:{queue}/{Account};TableEndpoint=http://127.0.0.1:{table}/{Account};";
        var azurite = new Azurite(process, connection);
        var clock = Stopwatch.StartNew();
        foreach (var port in new[] { blob, queue, table })
        {
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited || clock.Elapsed > bound)
                {
                    var why = process.HasExited ? $"Azurite exited {process.ExitCode}: {await errors}" : $"Azurite did not listen on 127.0.0.1:{port} within {bound.TotalSeconds:F0} s";
                    await azurite.DisposeAsync();
                    throw new InvalidOperationException(why);
                }

                await Task.Delay(100);
            }
        }

        return azurite;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        process.Dispose();
    }

    static bool OnPath(string tool) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(directory => File.Exists(Path.Combine(directory, tool)));

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
