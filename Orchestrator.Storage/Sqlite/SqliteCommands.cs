using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Orchestrator.Storage.Sqlite;

/// <summary>
/// Terse parameterised commands; every value goes through a parameter, never into the SQL text. On a connection
/// that keeps its statements (<see cref="KeepStatements"/>: the store's writer and its open readers) each SQL text
/// is compiled once and reused: Microsoft.Data.Sqlite compiles a new <see cref="SqliteCommand"/> at every
/// execution and finalizes it on dispose, and on the store's hot path that was a large share of its time.
/// </summary>
static class SqliteCommands
{
    // Beyond this many texts a connection compiles afresh: queries built from filters must not grow it without end.
    const int MaxKeptStatements = 96;

    static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Kept = new();

    /// <summary>From now on <paramref name="connection"/> keeps each statement compiled until <see cref="DropStatements"/>.</summary>
    public static void KeepStatements(this SqliteConnection connection) =>
        Kept.AddOrUpdate(connection, new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));

    /// <summary>Finalizes the statements <paramref name="connection"/> kept (before it is closed).</summary>
    public static void DropStatements(this SqliteConnection connection)
    {
        if (Kept.TryGetValue(connection, out var kept))
        {
            Kept.Remove(connection);
            foreach (var command in kept.Values)
            {
                command.Dispose();
            }
        }
    }

    public static int Execute(this SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = Use(connection, sql, transaction, parameters, out var owned);
        try
        {
            return command.ExecuteNonQuery();
        }
        finally
        {
            Release(command, owned);
        }
    }

    public static object? Scalar(this SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = Use(connection, sql, transaction, parameters, out var owned);
        try
        {
            var value = command.ExecuteScalar();
            return value is DBNull ? null : value;
        }
        finally
        {
            Release(command, owned);
        }
    }

    public static List<T> Query<T>(this SqliteConnection connection, string sql, Func<SqliteDataReader, T> map, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = Use(connection, sql, transaction, parameters, out var owned);
        try
        {
            return ReadAll(command, map);
        }
        finally
        {
            Release(command, owned);
        }
    }

    static List<T> ReadAll<T>(SqliteCommand command, Func<SqliteDataReader, T> map)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>The kept statement for <paramref name="sql"/> (not <paramref name="owned"/>: never disposed by the
    /// caller), or a new command the caller disposes.</summary>
    static SqliteCommand Use(SqliteConnection connection, string sql, SqliteTransaction? transaction, (string Name, object? Value)[] parameters, out bool owned)
    {
        SqliteCommand? command = null;
        if (Kept.TryGetValue(connection, out var kept) && !kept.TryGetValue(sql, out command) && kept.Count < MaxKeptStatements)
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            kept[sql] = command;
        }

        owned = command is null;
        if (command is null)
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    static void Release(SqliteCommand command, bool owned)
    {
        if (owned)
        {
            command.Dispose();
        }
    }

    /// <summary>
    /// A kept statement to run many times with <see cref="Run"/>, its parameters bound by position; the caller does
    /// not dispose it. Only on a connection that keeps its statements (every store write runs on one).
    /// </summary>
    public static SqliteCommand Statement(this SqliteConnection connection, string sql, SqliteTransaction transaction, params string[] parameterNames)
    {
        if (!Kept.TryGetValue(connection, out var kept))
        {
            throw new InvalidOperationException("Statement() needs a connection that keeps its statements (SqliteCommands.KeepStatements).");
        }

        // Keyed apart from Execute's statements: those rebind their parameters by name at each call.
        var key = "positional:" + sql;
        if (!kept.TryGetValue(key, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameterNames)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            command.Prepare();
            kept[key] = command;
        }

        command.Transaction = transaction;
        return command;
    }

    /// <summary>A prepared statement to run many times in one transaction with <see cref="Run"/>: compiled once.</summary>
    public static SqliteCommand Prepare(this SqliteConnection connection, string sql, SqliteTransaction transaction, params string[] parameterNames)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    /// <summary>Runs a prepared statement with its parameters' values in order; returns the rows changed.</summary>
    public static int Run(this SqliteCommand command, params object?[] values)
    {
        Bind(command, values);
        return command.ExecuteNonQuery();
    }

    public static SqliteDataReader ExecuteReaderWith(this SqliteCommand command, params object?[] values)
    {
        Bind(command, values);
        return command.ExecuteReader();
    }

    static void Bind(SqliteCommand command, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}
