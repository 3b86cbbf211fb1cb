using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Orchestrator.Glue.Local;

/// <summary>
/// Writes realistic MyStore raw data (customer, customer_address, sales) into the raw zone, one JSON Lines file per
/// entity and ingest hour: zip codes with leading zeros (JSON numbers in some files, strings in others), event
/// times as ISO 8601 strings with and without offsets, <c>*_date</c> strings, unix <c>processing_datetime</c>,
/// about 5% late events (days before their processing time), a column that only later files have, and a few
/// unparseable timestamps. The same seed and clock give the same bytes; existing files are never overwritten, so a
/// job never sees a processed file change.
/// </summary>
public sealed class SampleDataGenerator(string lakeRoot, TimeProvider timeProvider)
{
    static readonly string[] Entities = ["customer", "customer_address", "sales"];

    public static IReadOnlyList<string> EntityNames => Entities;

    const double LateShare = 0.05;
    const double UnparseableShare = 0.002;
    const long IdsPerHour = 1_000_000;

    static readonly string[] FirstNames =
        ["Ava", "Liam", "Mia", "Noah", "Zoe", "Ethan", "Chloe", "Lucas", "Emma", "Mateo", "Aria", "Owen"];
    static readonly string[] LastNames =
        ["Smith", "Garcia", "Nguyen", "Johnson", "Brown", "Lopez", "Kim", "Patel", "Miller", "Davis", "Silva"];
    static readonly (string City, string State)[] Cities =
    [
        ("Boston", "MA"), ("Portland", "ME"), ("Hartford", "CT"), ("Newark", "NJ"), ("Austin", "TX"),
        ("Denver", "CO"), ("Seattle", "WA"), ("Chicago", "IL"), ("Miami", "FL"), ("Providence", "RI"),
    ];
    static readonly string[] Streets = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Rd", "Elm St"];
    static readonly string[] Offsets = ["+02:00", "-05:00", "+05:30", "+00:00", "-08:00", "+09:00"];
    static readonly string[] Unparseable = ["N/A", "2026-02-30T10:00:00", "yesterday", "31/13/2026 25:61"];

    public async Task<IReadOnlyList<SampleEntitySummary>> WriteAsync(
        SampleDataOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var now = timeProvider.GetUtcNow();
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var window = new Window(end.AddHours(-options.Days * 24), options.Days * 24, options.Rows);
        var summaries = new List<SampleEntitySummary>();
        foreach (var entity in options.Entities)
        {
            var random = new Random(unchecked((options.Seed * 7919) + Array.IndexOf(Entities, entity)));
            var summary = new SampleEntitySummary(entity, 0, 0, 0, 0, 0);
            for (var hour = 0; hour < window.Hours; hour++)
            {
                var rows = window.RowsIn(hour);
                if (rows > 0)
                {
                    summary = await WriteFileAsync(entity, window, hour, rows, random, summary, cancellationToken);
                }
            }

            summaries.Add(summary);
        }

        return summaries;
    }

    static void Validate(SampleDataOptions options)
    {
        var problems = new List<string>();
        if (options.Rows < 1)
        {
            problems.Add($"Rows is {options.Rows}; give at least 1 row per entity.");
        }

        if (options.Days is < 1 or > 3660)
        {
            problems.Add($"Days is {options.Days}; give 1 to 3660 days.");
        }

        if (options.Entities.FirstOrDefault(e => !Entities.Contains(e)) is { } unknown)
        {
            problems.Add($"Entity '{unknown}' is not a sample entity ({string.Join(", ", Entities)}).");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid sample data options: " + string.Join(" ", problems), nameof(options));
        }
    }

    async Task<SampleEntitySummary> WriteFileAsync(string entity, Window window, int hour, int rows,
        Random random, SampleEntitySummary summary, CancellationToken cancellationToken)
    {
        var hourStart = window.Start.AddHours(hour);
        var folder = Path.Combine(lakeRoot, LakeZone.Raw, entity,
            "ingest_date=" + hourStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "ingest_hour=" + hourStart.ToString("HH", CultureInfo.InvariantCulture));
        var path = Path.Combine(folder, $"{entity}_{hourStart:yyyyMMddHH}.jsonl");
        var late = window.LaterFiles(hour);
        var buffer = new ArrayBufferWriter<byte>(rows * 256);
        var zipsAsNumbers = hour % 2 == 0;
        long lateEvents = 0, unparseable = 0;
        using (var json = new Utf8JsonWriter(buffer))
        {
            for (var i = 0; i < rows; i++)
            {
                var processing = hourStart.AddSeconds(random.Next(60, 3600));
                var isLate = random.NextDouble() < LateShare;
                var eventTime = isLate
                    ? processing.AddDays(-random.Next(1, 6)).AddMinutes(-random.Next(0, 720))
                    : processing.AddSeconds(-random.Next(0, 3000));
                var eventText = EventTimeText(random, eventTime, out var parseable);
                lateEvents += isLate ? 1 : 0;
                unparseable += parseable ? 0 : 1;
                var row = new SampleRow(json, random, window.Id(hour, i), processing, eventTime, eventText, late);
                json.WriteStartObject();
                switch (entity)
                {
                    case "customer":
                        WriteCustomer(row, zipsAsNumbers);
                        break;
                    case "customer_address":
                        WriteAddress(row, window, zipsAsNumbers);
                        break;
                    default:
                        WriteSale(row, window);
                        break;
                }

                json.WriteNumber("processing_datetime", processing.ToUnixTimeSeconds());
                json.WriteEndObject();
                json.Flush();
                buffer.Write("\n"u8);
                json.Reset();
            }
        }

        if (File.Exists(path))
        {
            return summary with { FilesSkipped = summary.FilesSkipped + 1 };
        }

        // Written aside under a hidden name, then renamed: a job never reads a half-written file.
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, "." + Path.GetFileName(path) + ".tmp");
        await File.WriteAllBytesAsync(temporary, buffer.WrittenMemory.ToArray(), cancellationToken);
        File.Move(temporary, path);
        return summary with
        {
            Rows = summary.Rows + rows,
            FilesWritten = summary.FilesWritten + 1,
            LateEvents = summary.LateEvents + lateEvents,
            UnparseableTimestamps = summary.UnparseableTimestamps + unparseable,
        };
    }

    static void WriteCustomer(SampleRow row, bool zipAsNumber)
    {
        var (json, random) = (row.Json, row.Random);
        var first = FirstNames[random.Next(FirstNames.Length)];
        var last = LastNames[random.Next(LastNames.Length)];
        json.WriteNumber("customer_id", row.Id);
        json.WriteString("first_name", first);
        json.WriteString("last_name", last);
        json.WriteString("email", $"{first}.{last}{row.Id % 1000}@example.com".ToLowerInvariant());
        WriteZip(json, random, zipAsNumber);
        json.WriteString("created_datetime", row.EventText);
        json.WriteString("birth_date", new DateOnly(1950, 1, 1).AddDays(random.Next(0, 20000))
            .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (row.LaterFile)
        {
            json.WriteString("loyalty_tier", random.Next(3) switch { 0 => "bronze", 1 => "silver", _ => "gold" });
        }
    }

    static void WriteAddress(SampleRow row, Window window, bool zipAsNumber)
    {
        var (json, random) = (row.Json, row.Random);
        var (city, state) = Cities[random.Next(Cities.Length)];
        json.WriteNumber("address_id", row.Id);
        json.WriteNumber("customer_id", window.SomeId(random));
        json.WriteString("street", $"{random.Next(1, 999)} {Streets[random.Next(Streets.Length)]}");
        json.WriteString("city", city);
        json.WriteString("state", state);
        WriteZip(json, random, zipAsNumber);
        json.WriteString("updated_datetime", row.EventText);
        json.WriteString("valid_from_date", row.EventTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (row.LaterFile)
        {
            if (random.Next(3) == 0)
            {
                json.WriteString("address_line2", $"Apt {random.Next(1, 40)}{(char)('A' + random.Next(4))}");
            }
            else
            {
                json.WriteNull("address_line2");
            }
        }
    }

    static void WriteSale(SampleRow row, Window window)
    {
        var (json, random) = (row.Json, row.Random);
        var quantity = random.Next(1, 6);
        var unitPrice = Math.Round(1 + (random.NextDouble() * 199), 2);
        json.WriteNumber("order_id", row.Id);
        json.WriteNumber("customer_id", window.SomeId(random));
        json.WriteString("product_id", $"SKU-{random.Next(1, 5000):D5}");
        json.WriteNumber("quantity", quantity);
        json.WriteNumber("unit_price", unitPrice);
        json.WriteNumber("amount", Math.Round(quantity * unitPrice, 2));
        json.WriteString("order_datetime", row.EventText);
        json.WriteString("ship_date", row.EventTime.AddDays(random.Next(1, 4))
            .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        json.WriteString("payment_method", random.Next(3) switch { 0 => "card", 1 => "paypal", _ => "gift_card" });
        if (row.LaterFile)
        {
            json.WriteString("coupon_code", random.Next(4) switch { 0 => "SAVE10", 1 => "WELCOME", _ => null });
        }
    }

    // A third of zip codes are New England's, which start with 0: as JSON numbers they lose that zero.
    static void WriteZip(Utf8JsonWriter json, Random random, bool asNumber)
    {
        var zip = random.Next(3) == 0 ? random.Next(1001, 9999) : random.Next(10000, 99951);
        if (asNumber)
        {
            json.WriteNumber("zip", zip);
        }
        else
        {
            json.WriteString("zip", zip.ToString("D5", CultureInfo.InvariantCulture));
        }
    }

    static string EventTimeText(Random random, DateTimeOffset instant, out bool parseable)
    {
        parseable = random.NextDouble() >= UnparseableShare;
        if (!parseable)
        {
            return Unparseable[random.Next(Unparseable.Length)];
        }

        var utc = instant.UtcDateTime;
        switch (random.Next(5))
        {
            case 0:
                var offset = Offsets[random.Next(Offsets.Length)];
                var shifted = instant.ToOffset(TimeSpan.Parse(offset.TrimStart('+'), CultureInfo.InvariantCulture));
                return shifted.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + offset;
            case 1:
                return utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            case 2:
                return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            case 3:
                return utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            default:
                return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>One row being written, with what every entity's columns draw on.</summary>
    sealed record SampleRow(
        Utf8JsonWriter Json,
        Random Random,
        long Id,
        DateTimeOffset Processing,
        DateTimeOffset EventTime,
        string EventText,
        bool LaterFile);

    /// <summary>The hours sample data covers and how rows spread over them.</summary>
    sealed record Window(DateTimeOffset Start, int Hours, int Rows)
    {
        public int RowsIn(int hour) => (Rows / Hours) + (hour < Rows % Hours ? 1 : 0);

        /// <summary>The second half of the window, where the late-appearing columns start.</summary>
        public bool LaterFiles(int hour) => hour >= Hours / 2;

        /// <summary>
        /// The id of row <paramref name="index"/> of an hour: unique across windows too, as hours count from the epoch.
        /// </summary>
        public long Id(int hour, int index) => ((Start.ToUnixTimeSeconds() / 3600) + hour) * IdsPerHour + index;

        /// <summary>An id some entity's row has in this window (customer ids for sales and addresses).</summary>
        public long SomeId(Random random)
        {
            int hour, rows;
            do
            {
                hour = random.Next(Hours);
                rows = RowsIn(hour);
            }
            while (rows == 0);
            return Id(hour, random.Next(rows));
        }
    }
}
