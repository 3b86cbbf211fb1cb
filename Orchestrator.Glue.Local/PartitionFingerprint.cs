using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Glue.Local;

/// <summary>Names, sizes and times of a partition's files, hashed: equal fingerprints mean nothing changed.</summary>
static class PartitionFingerprint
{
    public static string Of(IEnumerable<FileInfo> files)
    {
        var text = new StringBuilder();
        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append(file.Name).Append('|').Append(file.Length.ToString(CultureInfo.InvariantCulture)).Append('|')
                .Append(file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }
}
