using System.Globalization;
using System.Text;

namespace Orchestrator.Glue.Local;

/// <summary>How the data-preparation transform converts one column.</summary>
enum ColumnConversion
{
    /// <summary>Kept as read.</summary>
    None,

    /// <summary><c>processing_datetime</c>: unix epoch seconds to TIMESTAMP.</summary>
    EpochSeconds,

    /// <summary><c>*_datetime</c> (and the partition column): ISO 8601 or a configured format to TIMESTAMP (UTC).</summary>
    Timestamp,

    /// <summary><c>*_date</c>: ISO 8601 or a configured format to DATE.</summary>
    Date,

    /// <summary><c>zip</c>: text, numbers padded back to five digits.</summary>
    Zip,
}

/// <summary>
/// The SQL of the data-preparation transform for one source schema: the same rules for every entity, chosen by
/// column name. Every conversion is a TRY: a value that does not parse becomes NULL and is flagged, so the job
/// can count it per column; rows are never dropped.
/// </summary>
sealed class CleanProjection
{
    public const string EtlProcessingColumn = "etl_processing_datetime";
    const string ProcessingColumn = "processing_datetime";

    readonly List<(SourceColumn Column, ColumnConversion Conversion)> plan;
    readonly string partitionColumn;
    readonly IReadOnlyList<string> datetimeFormats;

    CleanProjection(List<(SourceColumn, ColumnConversion)> plan, string partitionColumn, string partitionKey,
        IReadOnlyList<string> datetimeFormats)
    {
        this.plan = plan;
        this.partitionColumn = partitionColumn;
        PartitionKey = partitionKey;
        this.datetimeFormats = datetimeFormats;
    }

    public string PartitionKey { get; }

    /// <summary>The columns to read, converted ones as text so every source format parses the same way.</summary>
    public IReadOnlyList<SourceColumn> ReadColumns =>
        plan.Select(p => p.Conversion == ColumnConversion.None ? p.Column : p.Column with { Type = DuckDbType.Varchar })
            .ToList();

    /// <summary>The converted columns, in the order of <see cref="FailureFlags"/>.</summary>
    public IReadOnlyList<string> ConvertedColumns =>
        plan.Where(p => p.Conversion is not (ColumnConversion.None or ColumnConversion.Zip)).Select(p => p.Column.Name)
            .ToList();

    /// <summary>Boolean columns (one per converted column) true where a present value failed to convert.</summary>
    public IReadOnlyList<string> FailureFlags =>
        ConvertedColumns.Select((_, i) => "__failed_" + i.ToString(CultureInfo.InvariantCulture)).ToList();

    public static CleanProjection Plan(IReadOnlyList<SourceColumn> source, DataPreparationArguments arguments,
        IReadOnlyList<string> datetimeFormats, string sourceFolder)
    {
        var partition = source.FirstOrDefault(c =>
            c.Name.Equals(arguments.DatetimePartitionColumn, StringComparison.OrdinalIgnoreCase));
        if (partition is null)
        {
            throw new LakeInputException(
                $"{DataPreparationArguments.PartitionColumnArgument} '{arguments.DatetimePartitionColumn}' is not a " +
                $"column of '{sourceFolder}' (columns: {string.Join(", ", source.Select(c => c.Name))}).");
        }

        // The partition key and the ETL time are written by the transform; same-named source columns give way.
        var plan = source
            .Where(c => !c.Name.Equals(arguments.PartitionKey, StringComparison.OrdinalIgnoreCase)
                && !c.Name.Equals(EtlProcessingColumn, StringComparison.OrdinalIgnoreCase))
            .Select(c => (c, ConversionOf(c.Name, ReferenceEquals(c, partition))))
            .ToList();
        if (!plan.Any(p => ReferenceEquals(p.c, partition)))
        {
            throw new LakeInputException(
                $"{DataPreparationArguments.PartitionColumnArgument} '{arguments.DatetimePartitionColumn}' is also " +
                $"the {DataPreparationArguments.PartitionKeyArgument} or '{EtlProcessingColumn}'; partition by a " +
                "source column.");
        }

        return new CleanProjection(plan, partition.Name, arguments.PartitionKey, datetimeFormats);
    }

    public static ColumnConversion ConversionOf(string column, bool isPartitionColumn)
    {
        var name = column.ToLowerInvariant();
        return name switch
        {
            ProcessingColumn => ColumnConversion.EpochSeconds,
            _ when name.EndsWith("_datetime", StringComparison.Ordinal) => ColumnConversion.Timestamp,
            _ when name.EndsWith("_date", StringComparison.Ordinal) => ColumnConversion.Date,
            "zip" => ColumnConversion.Zip,
            _ when isPartitionColumn => ColumnConversion.Timestamp,
            _ => ColumnConversion.None,
        };
    }

    /// <summary>
    /// The clean rows from <paramref name="rawSelect"/> (which yields <see cref="ReadColumns"/>): converted
    /// columns, the ETL time, the partition key, and the <see cref="FailureFlags"/>.
    /// </summary>
    public string Select(string rawSelect, DateTimeOffset etlProcessingTime)
    {
        var trimmed = plan.Select(p => p.Conversion == ColumnConversion.None
            ? Quote(p.Column)
            : $"NULLIF(trim({Quote(p.Column)}), '') AS {Quote(p.Column)}");
        var converted = plan.Select(p => p.Conversion == ColumnConversion.None
            ? Quote(p.Column)
            : $"{Convert(Quote(p.Column), p.Conversion)} AS {Quote(p.Column)}");
        var sources = ConvertedColumns.Select((c, i) => $"{SqlText.Identifier(c)} AS __source_{i}");
        var flags = ConvertedColumns.Select((c, i) =>
            $"(__source_{i} IS NOT NULL AND {SqlText.Identifier(c)} IS NULL) AS {FailureFlags[i]}");
        var final = new StringBuilder("SELECT ")
            .AppendJoin(", ", plan.Select(p => Quote(p.Column)))
            .Append(", ").Append(SqlText.Timestamp(etlProcessingTime)).Append(" AS ").Append(EtlProcessingColumn)
            .Append(", CAST(").Append(SqlText.Identifier(partitionColumn)).Append(" AS DATE) AS ")
            .Append(SqlText.Identifier(PartitionKey));
        foreach (var flag in flags)
        {
            final.Append(", ").Append(flag);
        }

        return final
            .Append(" FROM (SELECT ").AppendJoin(", ", converted.Concat(sources))
            .Append(" FROM (SELECT ").AppendJoin(", ", trimmed)
            .Append(" FROM (").Append(rawSelect).Append(")))")
            .ToString();
    }

    string Convert(string value, ColumnConversion conversion) => conversion switch
    {
        // TRY: seconds outside the TIMESTAMP range become NULL instead of failing the run.
        ColumnConversion.EpochSeconds =>
            $"TRY(make_timestamp(CAST(TRY_CAST({value} AS DOUBLE) * 1000000 AS BIGINT)))",
        // Via TIMESTAMPTZ: a plain cast to TIMESTAMP drops the offset; the session zone is UTC.
        ColumnConversion.Timestamp => Coalesce(
            $"CAST(TRY_CAST({value} AS TIMESTAMPTZ) AS TIMESTAMP)",
            datetimeFormats.Select(f => $"CAST(try_strptime({value}, {SqlText.Literal(f)}) AS TIMESTAMP)")),
        ColumnConversion.Date => Coalesce(
            $"TRY_CAST({value} AS DATE)",
            [$"CAST(TRY_CAST({value} AS TIMESTAMPTZ) AS DATE)",
                .. datetimeFormats.Select(f => $"CAST(try_strptime({value}, {SqlText.Literal(f)}) AS DATE)")]),
        ColumnConversion.Zip => $"CASE WHEN regexp_full_match({value}, '[0-9]{{1,4}}') THEN lpad({value}, 5, '0') " +
            $"ELSE {value} END",
        _ => value,
    };

    static string Coalesce(string first, IEnumerable<string> others)
    {
        var rest = others.ToList();
        return rest.Count == 0 ? first : $"COALESCE({first}, {string.Join(", ", rest)})";
    }

    static string Quote(SourceColumn column) => SqlText.Identifier(column.Name);
}
