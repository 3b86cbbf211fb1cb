namespace Orchestrator.Storage; internal static class Placeholder { }
