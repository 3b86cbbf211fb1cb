using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Glue;

/// <summary>A Glue enum kept as its text, so values added by AWS later never break parsing.</summary>
public interface IGlueEnum<TSelf>
    where TSelf : IGlueEnum<TSelf>
{
    string Value { get; }

    static abstract TSelf Create(string value);
}

/// <summary>Reads and writes a Glue enum as its plain string.</summary>
public sealed class GlueEnumJsonConverter<T> : JsonConverter<T>
    where T : IGlueEnum<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        T.Create(reader.GetString() ?? string.Empty);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
