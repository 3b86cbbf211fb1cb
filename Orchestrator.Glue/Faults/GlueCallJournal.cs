using System.Text.Json;

namespace Orchestrator.Glue.Faults;

/// <summary>
/// An append-only file of <see cref="GlueCallRecord"/>s, one JSON line each, flushed per line so a host killed with
/// SIGKILL loses at most the line it was writing (the reader skips it). Several processes may append in turn.
/// </summary>
public sealed class GlueCallJournal : IDisposable
{
    readonly StreamWriter writer;

    public GlueCallJournal(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public void Append(GlueCallRecord record)
    {
        var line = JsonSerializer.Serialize(record, GlueCallRecordJsonContext.Default.GlueCallRecord);
        lock (writer)
        {
            writer.WriteLine(line);
        }
    }

    /// <summary>Every whole record in <paramref name="path"/>; none when the file does not exist.</summary>
    public static IReadOnlyList<GlueCallRecord> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var records = new List<GlueCallRecord>();
        while (reader.ReadLine() is { } line)
        {
            try
            {
                if (JsonSerializer.Deserialize(line, GlueCallRecordJsonContext.Default.GlueCallRecord) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (JsonException)
            {
                // The line a killed process was writing.
            }
        }

        return records;
    }

    public void Dispose() => writer.Dispose();
}
