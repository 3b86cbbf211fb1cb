using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Glue;

/// <summary>
/// A number in [0, 1) derived from a key: the jitter of a retry delay must be the same every time an
/// orchestration replays, so it is seeded by the attempt's marker instead of a random source; an injected Glue fault
/// must be the same for the same seed and call (Faults/).
/// </summary>
public static class DeterministicDraw
{
    public static double For(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return (BinaryPrimitives.ReadUInt64LittleEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
