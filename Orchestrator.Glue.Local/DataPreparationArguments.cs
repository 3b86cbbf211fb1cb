namespace Orchestrator.Glue.Local;

/// <summary>
/// The data-preparation job's arguments, the same ones the Glue script takes. Run arguments override the job's
/// DefaultArguments, as in Glue.
/// </summary>
sealed record DataPreparationArguments(
    string SourceEntity,
    string TargetEntity,
    string DatetimePartitionColumn,
    string PartitionKey,
    string RawDatabase,
    string CleanDatabase)
{
    public const string SourceEntityArgument = "--source_entity_name";
    public const string TargetEntityArgument = "--target_entity_name";
    public const string PartitionColumnArgument = "--datetime_partition_column";
    public const string PartitionKeyArgument = "--partition_key";
    public const string RawDatabaseArgument = "--raw_db_name";
    public const string CleanDatabaseArgument = "--clean_db_name";

    /// <summary>Reads the arguments; a missing or unusable one fails the run with a message naming it.</summary>
    public static DataPreparationArguments Parse(
        IReadOnlyDictionary<string, string> defaults, IReadOnlyDictionary<string, string> run,
        IReadOnlyDictionary<string, LocalCrawlerOptions> crawlers)
    {
        var problems = new List<string>();
        var source = Name(SourceEntityArgument);
        var target = Name(TargetEntityArgument);
        var partitionColumn = Value(PartitionColumnArgument);
        var partitionKey = Value(PartitionKeyArgument);
        if (partitionKey.Length > 0 && !LakeNames.IsIdentifier(partitionKey))
        {
            problems.Add($"{PartitionKeyArgument} '{partitionKey}' is not an identifier (letters, digits, '_'); it " +
                "becomes a folder name and a column.");
        }

        var raw = Database(RawDatabaseArgument, LakeZone.Raw);
        var clean = Database(CleanDatabaseArgument, LakeZone.Clean);
        if (problems.Count > 0)
        {
            throw new LakeInputException("Invalid job arguments: " + string.Join(" ", problems));
        }

        return new DataPreparationArguments(source, target, partitionColumn, partitionKey, raw, clean);

        string Value(string name)
        {
            var value = run.TryGetValue(name, out var given) ? given : defaults.GetValueOrDefault(name);
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"Required argument {name} is missing.");
                return string.Empty;
            }

            return value.Trim();
        }

        string Name(string argument)
        {
            var value = Value(argument);
            if (value.Length > 0 && !LakeNames.IsName(value))
            {
                problems.Add($"{argument} '{value}' is not an entity name (letters, digits, '_', '-').");
            }

            return value;
        }

        string Database(string argument, string zone)
        {
            var value = Value(argument);
            if (value.Length == 0)
            {
                return value;
            }

            var zones = crawlers.Values.Where(c => c.Database == value).Select(c => c.Zone).Distinct().ToList();
            if (zones.Count == 0)
            {
                var known = string.Join(", ", crawlers.Values.Select(c => c.Database).Distinct().Order(StringComparer.Ordinal));
                problems.Add($"{argument} '{value}' is not the Database of any crawler (declared: " +
                    $"{(known.Length == 0 ? "none" : known)}).");
            }
            else if (zones[0] != zone)
            {
                problems.Add($"{argument} '{value}' describes the '{zones[0]}' zone; it must be a '{zone}' zone database.");
            }

            return value;
        }
    }
}
