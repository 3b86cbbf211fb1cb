using System.Reflection;
using DurableTask.Core;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// DurableTask.Core's messages and history events are Newtonsoft/DataContract types with polymorphic members,
/// so they round-trip with type names. The binder only admits DurableTask.Core's own types and plain
/// collections of them: a tampered store file cannot make us instantiate anything else.
/// </summary>
static class DurableTaskJson
{
    static readonly JsonSerializerSettings Settings = new()
    {
        TypeNameHandling = TypeNameHandling.Auto,
        SerializationBinder = new DurableTaskTypesBinder(),
        NullValueHandling = NullValueHandling.Ignore,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
    };

    public static string Serialize<T>(T value) => JsonConvert.SerializeObject(value, typeof(T), Settings);

    public static T Deserialize<T>(string json) =>
        JsonConvert.DeserializeObject<T>(json, Settings) ?? throw new JsonSerializationException($"Stored {typeof(T).Name} is empty.");

    sealed class DurableTaskTypesBinder : DefaultSerializationBinder
    {
        static readonly Assembly DurableTaskCore = typeof(TaskMessage).Assembly;

        public override Type BindToType(string? assemblyName, string typeName)
        {
            var type = base.BindToType(assemblyName, typeName);
            return IsAllowed(type)
                ? type
                : throw new JsonSerializationException($"Type '{typeName}' is not a DurableTask.Core type and is not allowed in the store.");
        }

        static bool IsAllowed(Type type)
        {
            if (type.Assembly == DurableTaskCore || type.IsPrimitive || type == typeof(string)
                || type == typeof(DateTime) || type == typeof(TimeSpan) || type == typeof(Guid))
            {
                return true;
            }

            if (type.IsArray)
            {
                return IsAllowed(type.GetElementType()!);
            }

            if (type.IsGenericType && type.Namespace == "System.Collections.Generic")
            {
                return type.GetGenericArguments().All(IsAllowed);
            }

            return Nullable.GetUnderlyingType(type) is { } underlying && IsAllowed(underlying);
        }
    }
}
