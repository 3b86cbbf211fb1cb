namespace Orchestrator.Host.Rehearsal;

/// <summary>A rehearsal that cannot start as asked: an unknown pipeline, a configuration problem, data it cannot write.</summary>
public sealed class RehearsalInputException(string message) : Exception(message);
