namespace Orchestrator.Host.Rehearsal;

/// <summary>
/// A serving host a rehearsal drives over its REST API: normally <c>orchestrator serve</c> in a child process
/// (<see cref="ServeProcess"/>), which a crash kills with SIGKILL.
/// </summary>
public interface IRehearsalHost : IAsyncDisposable
{
    int ProcessId { get; }

    /// <summary>What the host printed, for a report when it misbehaves.</summary>
    string Output { get; }

    /// <summary>Ends the host where it stands, as in a power cut.</summary>
    Task KillAsync(CancellationToken cancellationToken);
}
