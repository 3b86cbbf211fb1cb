namespace Orchestrator.Tests;

/// <summary>
/// A file made unwritable for this process: read-only permissions, and for root (whom permissions do not stop) the
/// immutable attribute (chattr +i). Undone on dispose. Null where this machine can do neither.
/// </summary>
public sealed class ReadOnlyFile : IDisposable
{
    readonly string path;
    readonly UnixFileMode mode;
    readonly bool immutable;

    ReadOnlyFile(string path, UnixFileMode mode, bool immutable)
    {
        this.path = path;
        this.mode = mode;
        this.immutable = immutable;
    }

    public static async Task<ReadOnlyFile?> TryMakeAsync(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        if (!CanWrite(path))
        {
            return new ReadOnlyFile(path, mode, immutable: false);
        }

        if (CommandLineTool.Find("chattr") is { } chattr
            && (await chattr.RunAsync(["+i", path], Path.GetDirectoryName(path)!)).ExitCode == 0)
        {
            if (!CanWrite(path))
            {
                return new ReadOnlyFile(path, mode, immutable: true);
            }

            await chattr.RunAsync(["-i", path], Path.GetDirectoryName(path)!);
        }

        File.SetUnixFileMode(path, mode);
        return null;
    }

    /// <summary>Why a test that needs a read-only file skips.</summary>
    public const string Unavailable = "This user can write any file (root) and the immutable attribute is not available (chattr, CAP_LINUX_IMMUTABLE, ext4/xfs/btrfs).";

    static bool CanWrite(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (immutable)
        {
            using var process = System.Diagnostics.Process.Start("chattr", ["-i", path]);
            process.WaitForExit();
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
