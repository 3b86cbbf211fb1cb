namespace Orchestrator.Host.Rehearsal;

/// <summary>What was seeded: how many runs, how many failed or manual, and the creation times of the oldest and newest.</summary>
public sealed record SeededRunHistory(int Runs, int Failed, int Manual, DateTime Oldest, DateTime Newest);
