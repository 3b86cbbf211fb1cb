using System.Collections.Concurrent;

namespace Orchestrator.Glue.Local;

/// <summary>
/// One writer per clean entity at a time, in this process (a semaphore) and across processes sharing the lake
/// (an exclusively opened lock file, released by the OS if the process dies). Without it two runs could pick
/// up the same new raw files and write their rows twice.
/// </summary>
sealed class EntityWriterLock : IAsyncDisposable
{
    static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);
    static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    readonly SemaphoreSlim gate;
    readonly FileStream lockFile;

    EntityWriterLock(SemaphoreSlim gate, FileStream lockFile)
    {
        this.gate = gate;
        this.lockFile = lockFile;
    }

    public static async Task<EntityWriterLock> AcquireAsync(string lockFilePath, CancellationToken cancellationToken)
    {
        var gate = Gates.GetOrAdd(lockFilePath, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(lockFilePath)!);
            while (true)
            {
                try
                {
                    var stream = new FileStream(lockFilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return new EntityWriterLock(gate, stream);
                }
                catch (IOException) when (File.Exists(lockFilePath))
                {
                    // Another process writes this entity; it holds the file until it finishes or dies.
                    await Task.Delay(RetryDelay, cancellationToken);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await lockFile.DisposeAsync();
        gate.Release();
    }
}
