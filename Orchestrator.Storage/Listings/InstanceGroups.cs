namespace Orchestrator.Storage.Listings;

/// <summary>
/// An instance's group: the part of its id before the first '@' (a pipeline's runs are <c>{pipeline}@…</c>), or
/// null when the id has no '@'. An exact group, unlike an id prefix, never takes in the runs of a pipeline whose
/// name merely starts the same way, and the SQLite store indexes it as a generated column.
/// </summary>
public static class InstanceGroups
{
    public static string? Of(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var at = instanceId.IndexOf('@', StringComparison.Ordinal);
        return at >= 0 ? instanceId[..at] : null;
    }
}
