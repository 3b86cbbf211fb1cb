using System.Globalization;
using System.Text;

namespace Orchestrator.Glue.Local;

/// <summary>
/// A column type as DuckDB prints it (<c>DESCRIBE</c>), parsed so the engine can merge types across files, rewrite
/// them for reading, and name them the way Glue and Hive do.
/// </summary>
abstract record DuckDbType
{
    public static readonly DuckDbType Varchar = new DuckDbScalar("VARCHAR");

    static readonly string[] IntegerRanks = ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"];

    public static DuckDbType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new DuckDbTypeReader(text);
        var type = reader.ReadType();
        reader.ExpectEnd();
        return type;
    }

    /// <summary>The DuckDB spelling, usable in <c>CAST</c> and in <c>read_json(columns=…)</c>.</summary>
    public abstract string ToSql();

    /// <summary>The Glue/Hive type name (<c>bigint</c>, <c>struct&lt;a:string&gt;</c>, …).</summary>
    public abstract string ToGlue();

    /// <summary>
    /// The type to read a text file's column as: strings that DuckDB recognised as dates or times stay strings (as in
    /// Glue, only the job converts them), and JSON values of mixed kinds are read as their text.
    /// </summary>
    public abstract DuckDbType AsTextSource();

    /// <summary>One type that holds values of both: integers widen, numbers meet at DOUBLE, anything else is text.</summary>
    public static DuckDbType Merge(DuckDbType left, DuckDbType right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.ToSql() == right.ToSql())
        {
            return left;
        }

        return (left, right) switch
        {
            (DuckDbScalar { Name: "NULL" }, _) => right,
            (_, DuckDbScalar { Name: "NULL" }) => left,
            (DuckDbScalar a, DuckDbScalar b) => MergeScalars(a, b),
            (DuckDbList a, DuckDbList b) => new DuckDbList(Merge(a.Element, b.Element)),
            (DuckDbStruct a, DuckDbStruct b) => MergeStructs(a, b),
            _ => Varchar,
        };
    }

    static DuckDbType MergeScalars(DuckDbScalar a, DuckDbScalar b)
    {
        var rankA = Array.IndexOf(IntegerRanks, a.Name);
        var rankB = Array.IndexOf(IntegerRanks, b.Name);
        if (rankA >= 0 && rankB >= 0)
        {
            return new DuckDbScalar(IntegerRanks[Math.Max(Math.Max(rankA, rankB), 3)]);
        }

        if ((rankA >= 0 || a.IsFractional) && (rankB >= 0 || b.IsFractional))
        {
            return new DuckDbScalar("DOUBLE");
        }

        if (a.IsDateOrTimestamp && b.IsDateOrTimestamp)
        {
            return new DuckDbScalar("TIMESTAMP");
        }

        return Varchar;
    }

    static DuckDbStruct MergeStructs(DuckDbStruct a, DuckDbStruct b)
    {
        var fields = a.Fields.ToList();
        foreach (var field in b.Fields)
        {
            var index = fields.FindIndex(f => f.Name == field.Name);
            if (index < 0)
            {
                fields.Add(field);
            }
            else
            {
                fields[index] = new DuckDbField(field.Name, Merge(fields[index].Type, field.Type));
            }
        }

        return new DuckDbStruct(fields);
    }

    internal static string QuoteFieldName(string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0])
            ? name
            : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    sealed class DuckDbTypeReader(string text)
    {
        int position;

        public DuckDbType ReadType()
        {
            SkipSpaces();
            DuckDbType type;
            if (TryConsume("STRUCT("))
            {
                type = ReadStruct();
            }
            else if (TryConsume("MAP("))
            {
                var key = ReadType();
                Expect(',');
                var value = ReadType();
                Expect(')');
                type = new DuckDbMap(key, value);
            }
            else
            {
                type = new DuckDbScalar(ReadScalarName());
            }

            SkipSpaces();
            while (position < text.Length && text[position] == '[')
            {
                var end = text.IndexOf(']', position);
                position = end < 0 ? throw Error("an unclosed '['") : end + 1;
                type = new DuckDbList(type);
                SkipSpaces();
            }

            return type;
        }

        public void ExpectEnd()
        {
            SkipSpaces();
            if (position != text.Length)
            {
                throw Error($"unexpected '{text[position..]}'");
            }
        }

        DuckDbStruct ReadStruct()
        {
            var fields = new List<DuckDbField>();
            SkipSpaces();
            while (!TryConsume(")"))
            {
                if (fields.Count > 0)
                {
                    Expect(',');
                    SkipSpaces();
                }

                var name = ReadFieldName();
                fields.Add(new DuckDbField(name, ReadType()));
                SkipSpaces();
            }

            return new DuckDbStruct(fields);
        }

        string ReadFieldName()
        {
            if (!TryConsume("\""))
            {
                var start = position;
                while (position < text.Length && text[position] != ' ')
                {
                    position++;
                }

                return text[start..position];
            }

            var name = new StringBuilder();
            while (true)
            {
                if (position >= text.Length)
                {
                    throw Error("an unclosed quoted field name");
                }

                if (text[position] == '"')
                {
                    if (position + 1 < text.Length && text[position + 1] == '"')
                    {
                        name.Append('"');
                        position += 2;
                        continue;
                    }

                    position++;
                    return name.ToString();
                }

                name.Append(text[position++]);
            }
        }

        string ReadScalarName()
        {
            var start = position;
            var depth = 0;
            while (position < text.Length)
            {
                var c = text[position];
                if (c == '(')
                {
                    depth++;
                }
                else if (c == ')')
                {
                    if (depth == 0)
                    {
                        break;
                    }

                    depth--;
                }
                else if (depth == 0 && (c == ',' || c == '['))
                {
                    break;
                }

                position++;
            }

            var name = text[start..position].Trim();
            return name.Length == 0 ? throw Error("a missing type name") : name;
        }

        void SkipSpaces()
        {
            while (position < text.Length && text[position] == ' ')
            {
                position++;
            }
        }

        bool TryConsume(string token)
        {
            if (string.CompareOrdinal(text, position, token, 0, token.Length) != 0)
            {
                return false;
            }

            position += token.Length;
            return true;
        }

        void Expect(char c)
        {
            SkipSpaces();
            if (position >= text.Length || text[position] != c)
            {
                throw Error($"a missing '{c}'");
            }

            position++;
        }

        FormatException Error(string what) =>
            new(string.Create(CultureInfo.InvariantCulture, $"DuckDB type '{text}' has {what} at {position}."));
    }
}

/// <summary>A type without nested parts: <c>BIGINT</c>, <c>DECIMAL(18,3)</c>, <c>TIMESTAMP WITH TIME ZONE</c>.</summary>
sealed record DuckDbScalar(string Name) : DuckDbType
{
    internal bool IsFractional => Name is "DOUBLE" or "FLOAT" or "REAL" || Name.StartsWith("DECIMAL", StringComparison.Ordinal);

    internal bool IsDateOrTimestamp => Name == "DATE" || Name.StartsWith("TIMESTAMP", StringComparison.Ordinal);

    public override string ToSql() => Name;

    public override string ToGlue() => Name switch
    {
        "BIGINT" or "UBIGINT" or "UINTEGER" => "bigint",
        "INTEGER" or "USMALLINT" => "int",
        "SMALLINT" or "UTINYINT" => "smallint",
        "TINYINT" => "tinyint",
        "HUGEINT" or "UHUGEINT" => "decimal(38,0)",
        "DOUBLE" => "double",
        "FLOAT" or "REAL" => "float",
        "BOOLEAN" => "boolean",
        "DATE" => "date",
        "BLOB" => "binary",
        _ when Name.StartsWith("DECIMAL", StringComparison.Ordinal) => Name.ToLowerInvariant(),
        _ when Name.StartsWith("TIMESTAMP", StringComparison.Ordinal) => "timestamp",
        _ => "string",
    };

    public override DuckDbType AsTextSource() =>
        IsDateOrTimestamp || Name is "JSON" or "NULL" || Name.StartsWith("TIME", StringComparison.Ordinal)
            ? Varchar
            : this;
}

/// <summary>A list, <c>T[]</c> (fixed-size arrays read the same way).</summary>
sealed record DuckDbList(DuckDbType Element) : DuckDbType
{
    public override string ToSql() => Element.ToSql() + "[]";

    public override string ToGlue() => $"array<{Element.ToGlue()}>";

    public override DuckDbType AsTextSource() => new DuckDbList(Element.AsTextSource());
}

/// <summary>A struct, <c>STRUCT(a T, b U)</c>.</summary>
sealed record DuckDbStruct(IReadOnlyList<DuckDbField> Fields) : DuckDbType
{
    public override string ToSql() =>
        "STRUCT(" + string.Join(", ", Fields.Select(f => QuoteFieldName(f.Name) + " " + f.Type.ToSql())) + ")";

    public override string ToGlue() =>
        "struct<" + string.Join(",", Fields.Select(f => f.Name + ":" + f.Type.ToGlue())) + ">";

    public override DuckDbType AsTextSource() =>
        new DuckDbStruct(Fields.Select(f => f with { Type = f.Type.AsTextSource() }).ToList());
}

/// <summary>A map, <c>MAP(K, V)</c>.</summary>
sealed record DuckDbMap(DuckDbType Key, DuckDbType Value) : DuckDbType
{
    public override string ToSql() => $"MAP({Key.ToSql()}, {Value.ToSql()})";

    public override string ToGlue() => $"map<{Key.ToGlue()},{Value.ToGlue()}>";

    public override DuckDbType AsTextSource() => new DuckDbMap(Key.AsTextSource(), Value.AsTextSource());
}

/// <summary>A field of a <see cref="DuckDbStruct"/>.</summary>
sealed record DuckDbField(string Name, DuckDbType Type);
