using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Orchestrator.Storage;

/// <summary>Checks the store settings before anything is opened, naming each bad setting.</summary>
public sealed partial class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        var problems = new List<string>();
        if (!string.Equals(options.Provider, StoreProviders.Sqlite, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.Provider, StoreProviders.SqlServer, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{StoreOptions.Section}:Provider: '{options.Provider}' is not a store provider; use {StoreProviders.Sqlite} or {StoreProviders.SqlServer}.");
        }

        if (string.Equals(options.Provider, StoreProviders.SqlServer, StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(options.SqlServer.ConnectionString))
            {
                problems.Add($"{StoreOptions.Section}:SqlServer:ConnectionString: empty; the SqlServer provider needs a connection string (e.g. from the environment variable Orchestrator__Store__SqlServer__ConnectionString).");
            }

            if (!TaskHubName().IsMatch(options.SqlServer.TaskHub ?? string.Empty))
            {
                problems.Add($"{StoreOptions.Section}:SqlServer:TaskHub: '{options.SqlServer.TaskHub}' is not allowed; use 1 to 50 letters, digits, '-' or '_'.");
            }
        }

        if (options.SqlServer.LockTimeout < TimeSpan.FromSeconds(10))
        {
            problems.Add($"{StoreOptions.Section}:SqlServer:LockTimeout: {options.SqlServer.LockTimeout} is too short; the SQL Server provider needs at least 00:00:10.");
        }

        if (options.Sqlite.LockTimeout < TimeSpan.FromSeconds(5) || options.Sqlite.LockTimeout > TimeSpan.FromDays(1))
        {
            problems.Add($"{StoreOptions.Section}:Sqlite:LockTimeout: {options.Sqlite.LockTimeout} is not allowed; use 00:00:05 to 1.00:00:00.");
        }

        if (options.Sqlite.BusyTimeout < TimeSpan.Zero || options.Sqlite.BusyTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{StoreOptions.Section}:Sqlite:BusyTimeout: {options.Sqlite.BusyTimeout} is not allowed; use 00:00:00 to 00:10:00.");
        }

        if (options.Sqlite.ExtendedSessionIdleTimeout < TimeSpan.Zero || options.Sqlite.ExtendedSessionIdleTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{StoreOptions.Section}:Sqlite:ExtendedSessionIdleTimeout: {options.Sqlite.ExtendedSessionIdleTimeout} is not allowed; use 00:00:00 (sessions off) to 00:10:00.");
        }

        if (options.Sqlite.MaxExtendedSessions is < 1 or > 10_000)
        {
            problems.Add($"{StoreOptions.Section}:Sqlite:MaxExtendedSessions: {options.Sqlite.MaxExtendedSessions} is not allowed; use 1 to 10000 (ExtendedSessionIdleTimeout 00:00:00 turns sessions off).");
        }

        if (options.Sqlite.ActivityBatchSize is < 1 or > 1_000)
        {
            problems.Add($"{StoreOptions.Section}:Sqlite:ActivityBatchSize: {options.Sqlite.ActivityBatchSize} is not allowed; use 1 (no batching) to 1000.");
        }

        if (options.Sqlite.MaxConcurrentOrchestrations is < 2 or > 1_000)
        {
            problems.Add($"{StoreOptions.Section}:Sqlite:MaxConcurrentOrchestrations: {options.Sqlite.MaxConcurrentOrchestrations} is not allowed; use 2 to 1000 (a run and its steps each need a slot).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,50}$", RegexOptions.CultureInvariant)]
    private static partial Regex TaskHubName();
}
