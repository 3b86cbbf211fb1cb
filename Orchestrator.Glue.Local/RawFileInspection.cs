using System.Buffers;
using System.Text;

namespace Orchestrator.Glue.Local;

/// <summary>
/// Checks DuckDB does not make: a blank line inside a JSON Lines file (DuckDB skips it silently; here it means a
/// broken writer) and CSV files of one entity whose headers differ.
/// </summary>
static class RawFileInspection
{
    const int BufferSize = 1 << 20;

    /// <summary>Counts the records of a JSON Lines file; fails naming the file and line if one is blank.</summary>
    public static long CountJsonLines(string path, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1,
                FileOptions.SequentialScan);
            long records = 0, line = 1, pendingBlankLine = 0;
            var lineHasContent = false;
            int read;
            while ((read = stream.Read(buffer, 0, BufferSize)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var chunk = buffer.AsSpan(0, read);
                while (!chunk.IsEmpty)
                {
                    var end = chunk.IndexOf((byte)'\n');
                    var segment = end < 0 ? chunk : chunk[..end];
                    lineHasContent |= segment.IndexOfAnyExcept(" \t\r"u8) >= 0;
                    if (end < 0)
                    {
                        break;
                    }

                    EndLine();
                    chunk = chunk[(end + 1)..];
                }
            }

            EndLine();
            return records;

            void EndLine()
            {
                if (lineHasContent)
                {
                    if (pendingBlankLine > 0)
                    {
                        throw new LakeInputException(
                            $"File '{path}' has an empty line {pendingBlankLine}; every line of a JSON Lines file " +
                            "must hold one JSON object.");
                    }

                    records++;
                }
                else if (pendingBlankLine == 0)
                {
                    pendingBlankLine = line;
                }

                lineHasContent = false;
                line++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Fails naming the file if any CSV file's header differs from the first one's.</summary>
    public static void EnsureSameCsvHeaders(IEnumerable<LakeFile> csvFiles)
    {
        string? expected = null, expectedFile = null;
        foreach (var file in csvFiles)
        {
            var header = ReadFirstLine(file.Path);
            if (expected is null)
            {
                (expected, expectedFile) = (header, file.Path);
            }
            else if (header != expected)
            {
                throw new LakeInputException(
                    $"CSV file '{file.Path}' has the header '{header}', but '{expectedFile}' of the same entity has " +
                    $"'{expected}'; all CSV files of an entity must share one header.");
            }
        }
    }

    static string ReadFirstLine(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadLine()?.TrimEnd('\r') ?? string.Empty;
    }
}
