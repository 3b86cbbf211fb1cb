namespace Orchestrator.Host.Hosting;

/// <summary>
/// Where settings come from, lowest precedence first: the appsettings.json shipped next to the binary (or the file
/// given with --config), then environment variables (<c>Orchestrator__Store__Provider=SqlServer</c>).
/// </summary>
public static class HostConfiguration
{
    public const string FileVariable = "ORCHESTRATOR_CONFIG";

    public static string DefaultFile => Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } file
        ? file
        : Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    public static void Apply(IConfigurationBuilder builder, string? file)
    {
        var path = Path.GetFullPath(file ?? DefaultFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The configuration file '{path}' does not exist; pass an existing one with --config.", path);
        }

        builder.Sources.Clear();
        builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        builder.AddEnvironmentVariables();
    }
}
