namespace Orchestrator.Glue.Local;

/// <summary>The two zones of the lake, as folder names under the lake root.</summary>
public static class LakeZone
{
    public const string Raw = "raw";
    public const string Clean = "clean";

    public static bool IsKnown(string zone) => zone is Raw or Clean;
}
