namespace Orchestrator.Tests.Engine;

/// <summary>The same scenarios with extended sessions off: every turn locks, loads and releases the instance.</summary>
public sealed class SqliteConformanceWithoutSessionsTests : SqliteConformanceTests
{
    protected override TimeSpan ExtendedSessionIdleTimeout => TimeSpan.Zero;
}
