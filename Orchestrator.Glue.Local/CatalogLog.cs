using Microsoft.Extensions.Logging;

namespace Orchestrator.Glue.Local;

/// <summary>Log events of the local catalog file (event ids 4500–4599).</summary>
static partial class CatalogLog
{
    [LoggerMessage(EventId = 4500, Level = LogLevel.Information,
        Message = "Upgraded the local catalog {CatalogPath} from schema {FromVersion} to {ToVersion}")]
    public static partial void Upgraded(ILogger logger, string catalogPath, int fromVersion, int toVersion);
}
