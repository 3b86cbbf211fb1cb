using System.Text.Json.Nodes;
using Orchestrator.Host.Hosting;
using Orchestrator.Storage;

namespace Orchestrator.Host.Rehearsal;

/// <summary>
/// The configuration a rehearsal's hosts run with: the user's file, with the store, lake and catalog moved under the
/// rehearsal's directory (a rehearsal never touches real runs or data), no schedules, no notifications, no API keys
/// (the hosts listen on loopback only), quick polls and retry delays (the retry counts stay), and the faults on.
/// </summary>
static class RehearsalConfig
{
    public static async Task<string> WriteAsync(RehearsalOptions options, string dataDirectory, string journal, CancellationToken cancellationToken)
    {
        var source = Path.GetFullPath(options.ConfigFile ?? HostConfiguration.DefaultFile);
        var config = JsonNode.Parse(await File.ReadAllTextAsync(source, cancellationToken),
            documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        var orchestrator = Child(config, "Orchestrator");
        Set(orchestrator, "DataDirectory", dataDirectory);
        Set(orchestrator, "Store", new JsonObject { ["Provider"] = StoreProviders.Sqlite });
        Set(orchestrator, "Notifications", null);
        Set(orchestrator, "Api", null);
        Set(Child(orchestrator, "Retention"), "Days", 3650);
        var glue = Child(orchestrator, "Glue");
        if (glue["Local"] is JsonObject local)
        {
            Set(local, "LakeRoot", null);
            Set(local, "CatalogPath", null);
            Set(local, "SeedSampleData", false);
        }

        var f = options.Faults;
        Set(glue, "Faults", new JsonObject
        {
            ["Enabled"] = true,
            ["Throttling"] = f.Throttling,
            ["ServerErrors"] = f.ServerErrors,
            ["AmbiguousStarts"] = f.AmbiguousStarts,
            ["JobFailures"] = f.JobFailures,
            ["SlowPolls"] = f.SlowPolls,
            ["SlowPollDelay"] = "00:00:00.500",
            ["Seed"] = options.Seed,
            ["JournalPath"] = journal,
        });

        foreach (var (name, node) in Child(orchestrator, "Pipelines"))
        {
            if (node is not JsonObject pipeline)
            {
                continue;
            }

            Set(pipeline, "Schedule", null);
            Set(pipeline, "RunOnStartup", false);
            if (string.Equals(name, options.Pipeline, StringComparison.OrdinalIgnoreCase))
            {
                Set(pipeline, "Poll", new JsonObject { ["FirstDelay"] = "00:00:00.200", ["MaxDelay"] = "00:00:01" });
                QuickRetry(pipeline, "Retry");
                if (Has(pipeline, "CrawlerRetry"))
                {
                    QuickRetry(pipeline, "CrawlerRetry");
                }

                foreach (var (_, entity) in Child(pipeline, "Entities"))
                {
                    if (entity is JsonObject { } e && Has(e, "Retry"))
                    {
                        QuickRetry(e, "Retry");
                    }
                }
            }
        }

        if (config["Serilog"] is JsonObject serilog)
        {
            Set(Child(serilog, "MinimumLevel"), "Default", "Warning");
        }

        var path = Path.Combine(options.WorkDirectory, "appsettings.json");
        await File.WriteAllTextAsync(path, config.ToJsonString(), cancellationToken);
        return path;
    }

    /// <summary>Keeps the attempts and what is retried; only the waits shrink, so a rehearsal takes seconds, not hours.</summary>
    static void QuickRetry(JsonObject owner, string key)
    {
        var retry = Child(owner, key);
        Set(retry, "FirstDelay", "00:00:00.200");
        Set(retry, "MaxDelay", "00:00:01");
    }

    /// <summary>Sets <paramref name="name"/> (null: removes it), replacing the key in whatever case the user's file spells it.</summary>
    static void Set(JsonObject parent, string name, JsonNode? value)
    {
        foreach (var key in parent.Select(p => p.Key).Where(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            parent.Remove(key);
        }

        if (value is not null)
        {
            parent[name] = value;
        }
    }

    static bool Has(JsonObject parent, string name) => parent.Any(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));

    static JsonObject Child(JsonObject parent, string name)
    {
        // Configuration keys ignore case, so the user's file may spell a section differently.
        var key = parent.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name;
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }
}
