using System.Collections.Concurrent;
using System.Globalization;

namespace Orchestrator.Tests.Engine.Workloads;

/// <summary>
/// Where test activities record their side effects: in memory, and appended to a file per process when several
/// processes share the work (one line per execution: "index pid"; one file each, as appends from two processes
/// to one file may overwrite each other).
/// </summary>
public sealed class EffectLog(string? filePath = null)
{
    readonly ConcurrentQueue<int> effects = new();
    readonly Lock fileLock = new();

    public IReadOnlyCollection<int> Effects => effects;

    public void Record(int index)
    {
        effects.Enqueue(index);
        if (filePath is null)
        {
            return;
        }

        lock (fileLock)
        {
            File.AppendAllText($"{filePath}.{Environment.ProcessId}", string.Create(CultureInfo.InvariantCulture, $"{index} {Environment.ProcessId}\n"));
        }
    }

    public static IReadOnlyList<(int Index, int ProcessId)> ReadFile(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*")
            .SelectMany(File.ReadAllLines).Where(l => l.Length > 0).Select(l => l.Split(' '))
            .Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
}
