using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orchestrator.Glue;
using Orchestrator.Glue.Local;

namespace Orchestrator.Tests.Glue.Local;

public sealed class LocalGlueOptionsTests
{
    [Fact]
    public void The_validator_lists_every_problem_at_once()
    {
        var options = TempLake.CreateOptions("", "");
        options.Threads = -1;
        options.MemoryLimit = "lots";
        options.DatetimeFormats.Add("%d/%m/%Y %Q");
        options.DatetimeFormats.Add("dd/MM/yyyy");
        options.Crawlers["odd"] = new LocalCrawlerOptions { Zone = "silver", Database = "raw", RehearseDelay = TimeSpan.FromSeconds(-1) };
        var job = new LocalJobOptions { Transform = "Copy", MaxConcurrentRuns = 0, Timeout = 0 };
        job.DefaultArguments["raw_db_name"] = "raw";
        job.DefaultArguments["--clean_db_name"] = "gold";
        options.Jobs["bad"] = job;

        var result = new LocalGlueOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        const string section = "Orchestrator:Glue:Local";
        Assert.Equal(
        [
            $"{section}:LakeRoot is empty; give the folder that holds the raw and clean zones.",
            $"{section}:CatalogPath is empty; give the SQLite file of the local catalog.",
            $"{section}:Threads is -1; use 0 (every core) or a positive number.",
            $"{section}:MemoryLimit 'lots' is not a size such as 512MB, 2GB or 50%.",
            $"{section}:DatetimeFormats entry '%d/%m/%Y %Q' has '%Q', which is not a strptime specifier (e.g. %Y %m %d %H %M %S %f %z).",
            $"{section}:DatetimeFormats entry 'dd/MM/yyyy' has no % specifier; e.g. '%d/%m/%Y %H:%M:%S'.",
            $"{section}:Crawlers:odd:Zone 'silver' is not a zone; use 'raw' or 'clean'.",
            $"{section}:Crawlers:odd: database 'raw' is already the 'raw' zone's database; one database describes one zone.",
            $"{section}:Crawlers:odd:RehearseDelay -00:00:01 must not be negative.",
            $"{section}:Jobs:bad:Transform 'Copy' is unknown; the local engine offers 'DataPreparation'.",
            $"{section}:Jobs:bad:MaxConcurrentRuns is 0; it must be at least 1.",
            $"{section}:Jobs:bad:Timeout is 0; give minutes, at least 1.",
            $"{section}:Jobs:bad:DefaultArguments 'raw_db_name' must start with '--', as Glue arguments do.",
            $"{section}:Jobs:bad:DefaultArguments --clean_db_name 'gold' is not the Database of any crawler (declared: clean, raw).",
        ], result.Failures);
        Assert.True(new LocalGlueOptionsValidator().Validate(null, TempLake.CreateOptions("lake", "c.db")).Succeeded);
    }

    [Fact]
    public async Task AddLocalGlueBackend_binds_the_section_with_data_directory_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:Glue:Local:Crawlers:mystore-raw-crawler:Zone"] = "raw",
            ["Orchestrator:Glue:Local:Crawlers:mystore-raw-crawler:Database"] = "raw",
            ["Orchestrator:Glue:Local:Crawlers:mystore-clean-crawler:Zone"] = "clean",
            ["Orchestrator:Glue:Local:Crawlers:mystore-clean-crawler:Database"] = "clean",
            ["Orchestrator:Glue:Local:Jobs:prep:MaxConcurrentRuns"] = "10",
            ["Orchestrator:Glue:Local:Jobs:prep:DefaultArguments:--raw_db_name"] = "raw",
            ["Orchestrator:Glue:Local:Jobs:prep:DefaultArguments:--clean_db_name"] = "clean",
            ["Orchestrator:Glue:Local:DatetimeFormats:0"] = "%d/%m/%Y %H:%M:%S",
            ["Orchestrator:Glue:Local:SeedSampleData"] = "true",
        }).Build();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orchestrator-tests", Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection().AddLogging()
            .AddLocalGlueBackend(configuration.GetSection(LocalGlueOptions.SectionPath), dataDirectory);
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptions<LocalGlueOptions>>().Value;
        var backend = provider.GetRequiredService<IGlueBackend>();

        Assert.Equal(Path.Combine(dataDirectory, "lake"), options.LakeRoot);
        Assert.Equal(Path.Combine(dataDirectory, "catalog.db"), options.CatalogPath);
        Assert.Equal(["mystore-clean-crawler", "mystore-raw-crawler"], options.Crawlers.Keys.Order());
        Assert.Equal(10, options.Jobs["prep"].MaxConcurrentRuns);
        Assert.Equal(LocalJobOptions.DataPreparation, options.Jobs["prep"].Transform);
        Assert.Equal(["%d/%m/%Y %H:%M:%S"], options.DatetimeFormats);
        Assert.True(options.SeedSampleData);
        Assert.IsType<CountedGlueBackend>(backend);
        Assert.Equal("Local", backend.Kind);
        Assert.Equal("raw", (await backend.GetJobAsync("prep", TestContext.Current.CancellationToken))
            .DefaultArguments["--raw_db_name"]);
        Assert.NotNull(provider.GetRequiredService<SampleDataGenerator>());
    }

    [Fact]
    public void A_crawlers_table_list_is_bound_from_configuration_and_each_entry_checked()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Local:Crawlers:mystore-clean-customer:Zone"] = "clean",
            ["Local:Crawlers:mystore-clean-customer:Database"] = "clean",
            ["Local:Crawlers:mystore-clean-customer:Tables:0"] = "customer",
            ["Local:Crawlers:bad:Zone"] = "clean",
            ["Local:Crawlers:bad:Database"] = "clean",
            ["Local:Crawlers:bad:Tables:0"] = "sales",
            ["Local:Crawlers:bad:Tables:1"] = "../raw",
            ["Local:Crawlers:bad:Tables:2"] = "_staging",
            ["Local:Crawlers:bad:Tables:3"] = "sales",
        }).Build();
        using var provider = new ServiceCollection().AddLogging()
            .AddLocalGlueBackend(configuration.GetSection("Local"), "data").BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() =>
            provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(
        [
            "Orchestrator:Glue:Local:Crawlers:bad:Tables:1 '../raw' is not an entity folder name (letters, digits, '_', '-'; not starting with '_' or '.').",
            "Orchestrator:Glue:Local:Crawlers:bad:Tables:2 '_staging' is not an entity folder name (letters, digits, '_', '-'; not starting with '_' or '.').",
            "Orchestrator:Glue:Local:Crawlers:bad:Tables lists 'sales' 2 times; list each folder once.",
        ], error.Failures);
        var options = TempLake.CreateOptions("lake", "c.db");
        options.Crawlers["mystore-clean-customer"] = new LocalCrawlerOptions { Zone = "clean", Database = "clean" };
        options.Crawlers["mystore-clean-customer"].Tables.Add("customer");
        Assert.True(new LocalGlueOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Invalid_configuration_stops_start_up_listing_the_problems()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Local:Crawlers:c:Zone"] = "bronze",
            ["Local:Crawlers:c:Database"] = "raw",
            ["Local:Jobs:j:MaxConcurrentRuns"] = "0",
        }).Build();
        using var provider = new ServiceCollection().AddLogging()
            .AddLocalGlueBackend(configuration.GetSection("Local"), "data").BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() =>
            provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Crawlers:c:Zone 'bronze' is not a zone", error.Message, StringComparison.Ordinal);
        Assert.Contains("Jobs:j:MaxConcurrentRuns is 0", error.Message, StringComparison.Ordinal);
    }
}
