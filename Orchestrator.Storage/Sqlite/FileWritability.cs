using System.Runtime.InteropServices;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Whether this process may write a file, asked of the kernel (access(2)) without opening it: opening and closing a
/// descriptor of a SQLite file would drop this process's POSIX locks on it, and SQLite itself hands a new connection
/// a descriptor it already holds, opened when the file was still writable. access(2) sees what a new open would:
/// permissions, the immutable attribute, a read-only mount.
/// </summary>
static partial class FileWritability
{
    const int WriteAccess = 2;

    /// <summary>
    /// Why the store file or its -wal and -shm files cannot be written, naming the file; null when they can (files that
    /// do not exist yet count as writable: the directory is checked on its own). Not checked on Windows.
    /// </summary>
    public static string? StoreProblem(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file) && access(file, WriteAccess) != 0)
            {
                return $"'{file}' cannot be written ({Marshal.GetLastPInvokeErrorMessage()})";
            }
        }

        return null;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string path, int mode);
}
