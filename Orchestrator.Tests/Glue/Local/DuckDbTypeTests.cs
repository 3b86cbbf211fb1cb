using Orchestrator.Glue.Local;

namespace Orchestrator.Tests.Glue.Local;

public sealed class DuckDbTypeTests
{
    [Theory]
    [InlineData("BIGINT", "bigint")]
    [InlineData("INTEGER", "int")]
    [InlineData("DOUBLE", "double")]
    [InlineData("DECIMAL(18,3)", "decimal(18,3)")]
    [InlineData("VARCHAR", "string")]
    [InlineData("JSON", "string")]
    [InlineData("BOOLEAN", "boolean")]
    [InlineData("DATE", "date")]
    [InlineData("TIMESTAMP", "timestamp")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "timestamp")]
    [InlineData("BLOB", "binary")]
    [InlineData("BIGINT[]", "array<bigint>")]
    [InlineData("STRUCT(city VARCHAR, \"zip code\" BIGINT, tags VARCHAR[])[]",
        "array<struct<city:string,zip code:bigint,tags:array<string>>>")]
    [InlineData("MAP(VARCHAR, STRUCT(a DOUBLE))", "map<string,struct<a:double>>")]
    public void DuckDb_types_get_their_glue_names_and_round_trip(string duckDb, string glue)
    {
        var type = DuckDbType.Parse(duckDb);

        Assert.Equal(glue, type.ToGlue());
        Assert.Equal(duckDb, type.ToSql());
    }

    [Theory]
    [InlineData("INTEGER", "BIGINT", "BIGINT")]
    [InlineData("BIGINT", "DOUBLE", "DOUBLE")]
    [InlineData("BIGINT", "VARCHAR", "VARCHAR")]
    [InlineData("NULL", "DATE", "DATE")]
    [InlineData("DATE", "TIMESTAMP", "TIMESTAMP")]
    [InlineData("BOOLEAN", "BIGINT", "VARCHAR")]
    [InlineData("STRUCT(a BIGINT)", "STRUCT(a DOUBLE, b VARCHAR)", "STRUCT(a DOUBLE, b VARCHAR)")]
    [InlineData("BIGINT[]", "VARCHAR[]", "VARCHAR[]")]
    public void Merging_gives_a_type_that_holds_both(string left, string right, string merged)
    {
        Assert.Equal(merged, DuckDbType.Merge(DuckDbType.Parse(left), DuckDbType.Parse(right)).ToSql());
        Assert.Equal(merged, DuckDbType.Merge(DuckDbType.Parse(right), DuckDbType.Parse(left)).ToSql());
    }

    [Fact]
    public void Text_files_keep_date_like_and_json_values_as_text()
    {
        Assert.Equal("STRUCT(t VARCHAR, n BIGINT)", DuckDbType.Parse("STRUCT(t TIMESTAMP, n BIGINT)").AsTextSource().ToSql());
        Assert.Equal("VARCHAR", DuckDbType.Parse("JSON").AsTextSource().ToSql());
        Assert.Equal("VARCHAR[]", DuckDbType.Parse("DATE[]").AsTextSource().ToSql());
    }

    [Fact]
    public void A_malformed_type_is_reported_with_its_text()
    {
        var error = Assert.Throws<FormatException>(() => DuckDbType.Parse("STRUCT(a BIGINT"));

        Assert.Contains("STRUCT(a BIGINT", error.Message, StringComparison.Ordinal);
    }
}
