using System.Text.Json.Nodes;
using Orchestrator.Host.Cli;

namespace Orchestrator.Tests.Hosting;

/// <summary>
/// Every broken configuration stops every verb with exit 2 and a list of problems that names the key, what was
/// wrong and what is allowed — never a stack trace. The table runs through the command line's own entry point in
/// this process (<c>config check</c>); a few real child processes of <c>serve</c>, <c>run</c> and
/// <c>config check</c> show that the three verbs print the same list.
/// </summary>
public sealed class BrokenConfigurationTests : IDisposable
{
    const string Pipeline = "Orchestrator:Pipelines:data-preparation";
    const string Local = "Orchestrator:Glue:Local";

    readonly TempDirectory directory = new();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static readonly BrokenConfiguration[] Cases =
    [
        // The file itself.
        Text("json-syntax", "{\n  \"Orchestrator\": {\n    \"DataDirectory\": \"data\",,\n  }\n}", "line 3, position 29: ',' is an invalid start of a property name"),
        Text("json-unterminated", "{ \"Orchestrator\": { \"DataDirectory\": \"data }", "line 1, position"),
        Text("json-unclosed-object", "{ \"Orchestrator\": {", "line 1, position 20"),
        Text("json-trailing-garbage", "{ } nonsense", "line 1, position 5"),
        Text("empty-file", string.Empty, "the file is empty; it must hold one JSON object"),
        Text("blank-file", "  \n\t\n", "the file is empty"),
        Text("top-level-array", "[ { \"Orchestrator\": {} } ]", "the top level is an array; it must hold one JSON object"),
        Text("top-level-string", "\"Orchestrator\"", "the top level is a string"),
        Text("duplicate-key", "{ \"Orchestrator\": { \"DataDirectory\": \"a\", \"DataDirectory\": \"b\" } }", "the key 'Orchestrator:DataDirectory' is given twice; keep one."),
        Text("duplicate-key-by-case", "{ \"Orchestrator\": { \"DataDirectory\": \"a\", \"datadirectory\": \"b\" } }", "the key 'Orchestrator:datadirectory' is given twice (as 'Orchestrator:DataDirectory' too: keys ignore case)"),
        Text("duplicate-section", "{ \"Orchestrator\": { \"Retention\": { \"Days\": 30 }, \"Retention\": { \"Days\": 7 } } }", "the key 'Orchestrator:Retention:Days' is given twice"),

        // Orchestrator.
        Set("data-directory-empty", "Orchestrator:DataDirectory", " ", "Orchestrator:DataDirectory: empty; give a directory"),
        Set("grace-negative", "Orchestrator:Worker:ShutdownGracePeriod", "-00:00:01", "Orchestrator:Worker:ShutdownGracePeriod: -00:00:01 is not allowed; use 00:00:00 to 01:00:00."),
        Set("grace-huge", "Orchestrator:Worker:ShutdownGracePeriod", "10675199.00:00:00", "Orchestrator:Worker:ShutdownGracePeriod: 10675199.00:00:00 is not allowed"),
        Set("grace-words", "Orchestrator:Worker:ShutdownGracePeriod", "soon", "Orchestrator:Worker:ShutdownGracePeriod: 'soon' is not allowed; use a duration hh:mm:ss"),
        Set("retention-negative", "Orchestrator:Retention:Days", -1, "Orchestrator:Retention:Days: -1 is not allowed; keep finished runs for 1 to 36500 days."),
        Set("retention-zero", "Orchestrator:Retention:Days", 0, "Orchestrator:Retention:Days: 0 is not allowed"),
        Set("retention-huge", "Orchestrator:Retention:Days", 99_999_999, "Orchestrator:Retention:Days: 99999999 is not allowed"),
        Set("retention-words", "Orchestrator:Retention:Days", "a month", "Orchestrator:Retention:Days: 'a month' is not allowed; use a whole number"),
        Set("retention-interval-zero", "Orchestrator:Retention:Interval", "00:00:00", "Orchestrator:Retention:Interval: 00:00:00 is not allowed; use 00:00:01 to 7.00:00:00."),
        Set("retention-interval-long", "Orchestrator:Retention:Interval", "30.00:00:00", "Orchestrator:Retention:Interval: 30.00:00:00 is not allowed"),
        Set("logging-json-maybe", "Orchestrator:Logging:Json", "maybe", "Orchestrator:Logging:Json: 'maybe' is not allowed; use true or false."),

        // Serilog.
        Set("log-level-loud", "Serilog:MinimumLevel:Default", "Loud", "Serilog:MinimumLevel:Default: 'Loud' is not a log level; use Verbose, Debug, Information, Warning, Error, Fatal."),
        Set("log-level-override", "Serilog:MinimumLevel:Override:Microsoft", "Chatty", "Serilog:MinimumLevel:Override:Microsoft: 'Chatty' is not a log level"),
        Set("log-level-number", "Serilog:MinimumLevel:Default", "7", "Serilog:MinimumLevel:Default: '7' is not a log level"),
        Set("log-level-two", "Serilog:MinimumLevel:Default", "Information,Warning", "Serilog:MinimumLevel:Default: 'Information,Warning' is not a log level"),

        // Store.
        Set("store-provider", "Orchestrator:Store:Provider", "Postgres", "Orchestrator:Store:Provider: 'Postgres' is not a store provider; use Sqlite or SqlServer."),
        Set("sqlserver-no-connection", "Orchestrator:Store:Provider", "SqlServer", "Orchestrator:Store:SqlServer:ConnectionString: empty"),
        Edit("sqlserver-task-hub", root =>
        {
            Put(root, "Orchestrator:Store:Provider", "SqlServer");
            Put(root, "Orchestrator:Store:SqlServer:ConnectionString", "Server=db;Database=o");
            Put(root, "Orchestrator:Store:SqlServer:TaskHub", "bad hub!");
        }, "Orchestrator:Store:SqlServer:TaskHub: 'bad hub!' is not allowed; use 1 to 50 letters"),
        Set("lock-timeout-short", "Orchestrator:Store:Sqlite:LockTimeout", "00:00:01", "Orchestrator:Store:Sqlite:LockTimeout: 00:00:01 is not allowed; use 00:00:05 to 1.00:00:00."),
        Set("lock-timeout-long", "Orchestrator:Store:Sqlite:LockTimeout", "400.00:00:00", "Orchestrator:Store:Sqlite:LockTimeout: 400.00:00:00 is not allowed"),
        Set("lock-timeout-words", "Orchestrator:Store:Sqlite:LockTimeout", "later", "Orchestrator:Store:Sqlite:LockTimeout: 'later' is not allowed; use a duration"),
        Set("busy-timeout-negative", "Orchestrator:Store:Sqlite:BusyTimeout", "-00:00:01", "Orchestrator:Store:Sqlite:BusyTimeout: -00:00:01 is not allowed; use 00:00:00 to 00:10:00."),
        Set("busy-timeout-long", "Orchestrator:Store:Sqlite:BusyTimeout", "30.00:00:00", "Orchestrator:Store:Sqlite:BusyTimeout: 30.00:00:00 is not allowed"),
        Set("session-idle-negative", "Orchestrator:Store:Sqlite:ExtendedSessionIdleTimeout", "-00:00:01", "Orchestrator:Store:Sqlite:ExtendedSessionIdleTimeout: -00:00:01 is not allowed; use 00:00:00 (sessions off) to 00:10:00."),
        Set("max-sessions-zero", "Orchestrator:Store:Sqlite:MaxExtendedSessions", 0, "Orchestrator:Store:Sqlite:MaxExtendedSessions: 0 is not allowed; use 1 to 10000"),
        Set("activity-batch-zero", "Orchestrator:Store:Sqlite:ActivityBatchSize", 0, "Orchestrator:Store:Sqlite:ActivityBatchSize: 0 is not allowed; use 1 (no batching) to 1000."),
        Set("orchestration-slots-one", "Orchestrator:Store:Sqlite:MaxConcurrentOrchestrations", 1, "Orchestrator:Store:Sqlite:MaxConcurrentOrchestrations: 1 is not allowed; use 2 to 1000 (a run and its steps each need a slot)."),

        // Api and hosts.
        Set("api-key-short", "Orchestrator:Api:Keys", new JsonArray("short"), "Orchestrator:Api:Keys:0: API keys must be at least 16 characters long."),
        Set("protect-reads-no-keys", "Orchestrator:Api:ProtectReads", true, "Orchestrator:Api:ProtectReads: true, but no Keys are listed"),
        Set("protect-reads-yes", "Orchestrator:Api:ProtectReads", "yes", "Orchestrator:Api:ProtectReads: 'yes' is not allowed; use true or false."),
        Set("body-limit-zero", "Orchestrator:Api:MaxRequestBodyBytes", 0, "Orchestrator:Api:MaxRequestBodyBytes: 0 is not allowed; use 1024 to 10485760."),
        Set("body-limit-huge", "Orchestrator:Api:MaxRequestBodyBytes", 999_999_999, "Orchestrator:Api:MaxRequestBodyBytes: 999999999 is not allowed"),
        Set("body-limit-words", "Orchestrator:Api:MaxRequestBodyBytes", "big", "Orchestrator:Api:MaxRequestBodyBytes: 'big' is not allowed; use a whole number."),
        Set("allowed-hosts-url", "AllowedHosts", "http://orchestrator.example.com", "AllowedHosts: 'http://orchestrator.example.com' is not a host name; give names without scheme, port or path"),
        Set("allowed-hosts-port", "AllowedHosts", "localhost;orchestrator.example.com:8080", "AllowedHosts: 'orchestrator.example.com:8080' is not a host name"),
        Set("allowed-hosts-space", "AllowedHosts", "orchestrator example", "AllowedHosts: 'orchestrator example' is not a host name"),

        // Glue.
        Set("glue-backend", "Orchestrator:Glue:Backend", "Azure", "Orchestrator:Glue:Backend: 'Azure' is not a Glue backend; use Local or Aws."),
        Aws("aws-region", "Region", "Europe", "Orchestrator:Glue:Aws:Region 'Europe' is not an AWS region name"),
        Aws("aws-service-url", "ServiceUrl", "moto", "Orchestrator:Glue:Aws:ServiceUrl 'moto' is not an absolute URL"),
        Aws("aws-max-attempts", "MaxAttempts", 0, "Orchestrator:Glue:Aws:MaxAttempts is 0; allowed: 1..20."),
        Aws("aws-request-timeout", "RequestTimeout", "1.00:00:00", "Orchestrator:Glue:Aws:RequestTimeout is 1.00:00:00; allowed: at most 00:10:00."),
        Aws("aws-retry-delays", "RetryBaseDelay", "00:01:00", "Orchestrator:Glue:Aws:RetryBaseDelay (00:01:00) must not exceed RetryMaxDelay (00:00:20)."),
        Set("local-crawler-zone", $"{Local}:Crawlers:mystore-raw-crawler:Zone", "lukewarm", "Orchestrator:Glue:Local:Crawlers:mystore-raw-crawler:Zone 'lukewarm' is not a zone"),
        Set("local-job-transform", $"{Local}:Jobs:mystore-data-preparation-parquet:Transform", "Copy", "Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:Transform 'Copy' is unknown"),
        Set("local-job-timeout-zero", $"{Local}:Jobs:mystore-data-preparation-parquet:Timeout", 0, "Jobs:mystore-data-preparation-parquet:Timeout is 0; give minutes, at least 1."),
        Set("local-job-timeout-huge", $"{Local}:Jobs:mystore-data-preparation-parquet:Timeout", 2_000_000_000, "Jobs:mystore-data-preparation-parquet:Timeout is 2000000000; give minutes, at most 10080"),
        Set("local-job-timeout-words", $"{Local}:Jobs:mystore-data-preparation-parquet:Timeout", "an hour", "Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:Timeout: 'an hour' is not allowed; use a whole number."),
        Set("local-job-typo", $"{Local}:Jobs:mystore-data-preparation-parquet:DefaultArgs", new JsonObject { ["--x"] = "y" }, "Orchestrator:Glue:Local:Jobs:mystore-data-preparation-parquet:DefaultArgs: 'DefaultArgs' is not a setting; use one of"),
        Set("local-memory", $"{Local}:MemoryLimit", "lots", "Orchestrator:Glue:Local:MemoryLimit 'lots' is not a size"),
        Set("local-threads", $"{Local}:Threads", -1, "Orchestrator:Glue:Local:Threads is -1; use 0 (every core) or a positive number."),
        Set("local-batch", $"{Local}:MaxBatchBytes", 10, "Orchestrator:Glue:Local:MaxBatchBytes is 10; it must be at least 1048576"),
        Set("local-datetime-format", $"{Local}:DatetimeFormats", new JsonArray(""), "Orchestrator:Glue:Local:DatetimeFormats entry ''"),

        // Pipelines.
        Set("no-pipelines", "Orchestrator:Pipelines", new JsonObject(), "Orchestrator:Pipelines: no pipeline is configured"),
        Rename("pipeline-name", "data prep", "Orchestrator:Pipelines:data prep: the pipeline name 'data prep' may only use letters"),
        Set("schedule-words", $"{Pipeline}:Schedule", "every half hour", $"{Pipeline}:Schedule: 'every half hour' is not a cron expression"),
        Set("schedule-seconds", $"{Pipeline}:Schedule", "0 */30 * * * *", $"{Pipeline}:Schedule: '0 */30 * * * *' has a seconds field"),
        Set("time-zone", $"{Pipeline}:TimeZone", "Mars/Olympus", $"{Pipeline}:TimeZone: 'Mars/Olympus' is not a known time zone"),
        Set("overlap", $"{Pipeline}:Overlap", "Sometimes", $"{Pipeline}:Overlap: 'Sometimes' is not allowed; use Skip, Queue, Allow."),
        Set("run-on-startup", $"{Pipeline}:RunOnStartup", "perhaps", $"{Pipeline}:RunOnStartup: 'perhaps' is not allowed; use true or false."),
        Set("clean-crawler-when", $"{Pipeline}:CleanCrawlerWhen", "Never", $"{Pipeline}:CleanCrawlerWhen: 'Never' is not allowed; use AllSucceeded, AnySucceeded."),
        Set("clean-crawl", $"{Pipeline}:CleanCrawl", "Sometimes", $"{Pipeline}:CleanCrawl: 'Sometimes' is not allowed; use AfterAll, PerEntity."),
        Set("lanes-without-crawlers", $"{Pipeline}:CleanCrawl", "PerEntity", $"{Pipeline}:Entities:customer:CleanCrawler: with CleanCrawl PerEntity every entity needs the crawler that catalogs its clean table."),
        Set("lane-crawler-without-lanes", $"{Pipeline}:Entities:sales:CleanCrawler", "mystore-clean-crawler", $"{Pipeline}:Entities:sales:CleanCrawler: 'mystore-clean-crawler' is used only with CleanCrawl PerEntity; set {Pipeline}:CleanCrawl to PerEntity, or remove it."),
        Set("visibility-sla-negative", $"{Pipeline}:VisibilitySla", "-00:05:00", $"{Pipeline}:VisibilitySla: -00:05:00 must be longer than zero."),
        Set("visibility-sla-words", $"{Pipeline}:VisibilitySla", "soon", $"{Pipeline}:VisibilitySla: 'soon' is not a duration"),
        Set("parallel-zero", $"{Pipeline}:MaxParallelJobs", 0, $"{Pipeline}:MaxParallelJobs: '0' is not allowed; use a whole number from 1 to 10000."),
        Set("parallel-words", $"{Pipeline}:MaxParallelJobs", "lots", $"{Pipeline}:MaxParallelJobs: 'lots' is not allowed; use a whole number from 1 to 10000."),
        Set("parallel-fraction", $"{Pipeline}:MaxParallelJobs", 2.5, $"{Pipeline}:MaxParallelJobs: '2.5' is not allowed; use a whole number from 1 to 10000."),
        Set("overlap-number", $"{Pipeline}:Overlap", 1, $"{Pipeline}:Overlap: '1' is not allowed; use Skip, Queue, Allow."),
        Set("retry-attempts", $"{Pipeline}:Retry:MaxAttempts", 0, $"{Pipeline}:Retry:MaxAttempts: '0' is not allowed; use a whole number from 1 to 100."),
        Set("retry-first-negative", $"{Pipeline}:Retry:FirstDelay", "-00:00:30", $"{Pipeline}:Retry:FirstDelay: -00:00:30 must be longer than zero."),
        Set("retry-max-overflow", $"{Pipeline}:Retry:MaxDelay", "9999999999d", $"{Pipeline}:Retry:MaxDelay: '9999999999d' is too long; use at most 365 days."),
        Set("retry-max-huge", $"{Pipeline}:Retry:MaxDelay", "99999999.00:00:00", $"{Pipeline}:Retry:MaxDelay: '99999999.00:00:00' is too long"),
        Set("retry-max-words", $"{Pipeline}:Retry:MaxDelay", "a while", $"{Pipeline}:Retry:MaxDelay: 'a while' is not a duration; use hh:mm:ss"),
        Set("retry-nan", $"{Pipeline}:Retry:BackoffCoefficient", "NaN", $"{Pipeline}:Retry:BackoffCoefficient: 'NaN' is not allowed; use a number from 1 to 100"),
        Set("retry-infinity", $"{Pipeline}:Retry:BackoffCoefficient", "Infinity", $"{Pipeline}:Retry:BackoffCoefficient: 'Infinity' is not allowed"),
        Set("retry-coefficient-small", $"{Pipeline}:Retry:BackoffCoefficient", 0.5, $"{Pipeline}:Retry:BackoffCoefficient: '0.5' is not allowed"),
        Set("retry-first-after-max", $"{Pipeline}:Retry:FirstDelay", "01:00:00", $"{Pipeline}:Retry: FirstDelay (01:00:00) is longer than MaxDelay (00:10:00)."),
        Set("retry-pattern", $"{Pipeline}:Retry:RetryOnMessages", new JsonArray("(unclosed"), $"{Pipeline}:Retry: '(unclosed' is not a regular expression"),
        Set("retry-jitter", $"{Pipeline}:Retry:Jitter", "sometimes", $"{Pipeline}:Retry:Jitter: 'sometimes' is not allowed; use true or false."),
        Set("poll-words", $"{Pipeline}:Poll:FirstDelay", "fast", $"{Pipeline}:Poll:FirstDelay: 'fast' is not a duration"),
        Set("poll-order", $"{Pipeline}:Poll:FirstDelay", "00:05:00", $"{Pipeline}:Poll: FirstDelay (00:05:00) is longer than MaxDelay (00:01:00)."),
        Set("poll-nan", $"{Pipeline}:Poll:BackoffCoefficient", "NaN", $"{Pipeline}:Poll:BackoffCoefficient: 'NaN' is not allowed"),
        Set("poll-coefficient-words", $"{Pipeline}:Poll:BackoffCoefficient", "double", $"{Pipeline}:Poll:BackoffCoefficient: 'double' is not allowed; use a number from 1 to 100 (1 keeps the delay constant)."),
        Set("job-timeout-max", $"{Pipeline}:JobTimeout", "10675199.02:48:05", $"{Pipeline}:JobTimeout: '10675199.02:48:05' is too long; use at most 365 days."),
        Set("job-timeout-zero", $"{Pipeline}:JobTimeout", "0s", $"{Pipeline}:JobTimeout: 0s must be longer than zero."),
        Set("crawler-timeout-overflow", $"{Pipeline}:CrawlerTimeout", "99999999.00:00:00", $"{Pipeline}:CrawlerTimeout: '99999999.00:00:00' is too long"),
        Set("run-deadline-negative", $"{Pipeline}:RunDeadline", "-1h", $"{Pipeline}:RunDeadline: -1h must be longer than zero."),
        Set("no-entities", $"{Pipeline}:Entities", new JsonObject(), $"{Pipeline}:Entities: the pipeline has no entities"),
        Edit("entity-without-job", root => Node(root, $"{Pipeline}:Entities:sales").AsObject().Remove("Job"), $"{Pipeline}:Entities:sales:Job: every entity needs the name of the Glue job"),
        Set("entity-argument", $"{Pipeline}:Entities:sales:Arguments:source_entity_name", "sales", $"{Pipeline}:Entities:sales:Arguments:source_entity_name: Glue job arguments must start with '--'."),
        Set("entity-name", $"{Pipeline}:Entities:sal es", new JsonObject { ["Job"] = "mystore-data-preparation-parquet" }, $"{Pipeline}:Entities:sal es: the entity name 'sal es' may only use letters"),
        Set("entity-same-target", $"{Pipeline}:Entities:customer:Arguments:--target_entity_name", "sales", $"{Pipeline}:Entities: customer and sales both write the clean table 'sales'"),
        Set("entity-retry", $"{Pipeline}:Entities:sales:Retry", new JsonObject { ["MaxAttempts"] = 1000 }, $"{Pipeline}:Entities:sales:Retry:MaxAttempts: '1000' is not allowed"),
        Set("entity-timeout", $"{Pipeline}:Entities:sales:JobTimeout", "400d", $"{Pipeline}:Entities:sales:JobTimeout: '400d' is too long"),
        Set("pipeline-typo", $"{Pipeline}:MaxParalelJobs", 4, $"{Pipeline}:MaxParalelJobs: 'MaxParalelJobs' is not a setting; did you mean MaxParallelJobs?"),
        Set("retry-unknown-key", $"{Pipeline}:Retry:Attempts", 3, $"{Pipeline}:Retry:Attempts: 'Attempts' is not a setting; use one of MaxAttempts, FirstDelay, BackoffCoefficient, MaxDelay, Jitter, RetryOn,"),
        Set("entity-typo", $"{Pipeline}:Entities:sales:JobTimout", "1h", $"{Pipeline}:Entities:sales:JobTimout: 'JobTimout' is not a setting; did you mean JobTimeout?"),
        Set("schedule-object", $"{Pipeline}:Schedule", new JsonObject { ["Cron"] = "*/5 * * * *" }, $"{Pipeline}:Schedule:Cron: 'Cron' is not a setting; {Pipeline}:Schedule is a single value."),
        Set("unknown-lane-crawler", $"{Pipeline}:Entities:sales:CleanCrawler", "sales-crawler", $"{Pipeline}:Entities:sales:CleanCrawler: 'sales-crawler' is not a crawler of the local engine; declare it under Orchestrator:Glue:Local:Crawlers"),
        Set("unknown-raw-crawler", $"{Pipeline}:RawCrawler", "raw-crawler", $"{Pipeline}:RawCrawler: 'raw-crawler' is not a crawler of the local engine; declare it under Orchestrator:Glue:Local:Crawlers (declared: mystore-clean-crawler, mystore-raw-crawler)."),
        Set("unknown-clean-crawler", $"{Pipeline}:CleanCrawler", "clean", $"{Pipeline}:CleanCrawler: 'clean' is not a crawler of the local engine"),
        Set("unknown-job", $"{Pipeline}:Entities:sales:Job", "sales-job", $"{Pipeline}:Entities:sales:Job: 'sales-job' is not a job of the local engine; declare it under Orchestrator:Glue:Local:Jobs (declared: mystore-data-preparation-parquet)."),
    ];

    public static TheoryData<string> Names => [.. Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_broken_configuration_is_refused_with_exit_2_and_the_specific_message(string name)
    {
        var broken = Cases.Single(c => c.Name == name);
        var path = await WriteAsync(broken.Write);

        var (exitCode, output) = await ConfigCheckAsync(path);

        Assert.True(exitCode == 2, $"exit {exitCode}:\n{output}");
        AssertNoStackTrace(output);
        Assert.Contains("The configuration has ", output, StringComparison.Ordinal);
        Assert.Contains(broken.Expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_covers_at_least_sixty_configurations()
    {
        Assert.True(Cases.Length >= 60, $"{Cases.Length} cases");
        Assert.Equal(Cases.Length, Cases.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public async Task A_missing_file_is_refused_naming_it()
    {
        var (exitCode, output) = await ConfigCheckAsync(directory.File("nope.json"));

        Assert.Equal(2, exitCode);
        Assert.Contains($"The configuration file '{directory.File("nope.json")}' does not exist; pass an existing one with --config.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_is_listed_at_once()
    {
        var path = await WriteAsync(root =>
        {
            foreach (var broken in Cases.Where(c => c.Name is "grace-negative" or "log-level-loud" or "retry-max-overflow" or "logging-json-maybe" or "unknown-job" or "allowed-hosts-url"))
            {
                broken.Edit!(root);
            }
        });

        var (exitCode, output) = await ConfigCheckAsync(path);

        Assert.Equal(2, exitCode);
        Assert.Contains("The configuration has 6 problems:", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// serve, run and config check go through the same check: the same lines, exit 2, no stack trace. (Before, serve
    /// crashed with exit 134 on values config check reported, and both crashed on an overflowing duration.)
    /// </summary>
    [Fact]
    public async Task Serve_run_and_config_check_print_the_same_problems_and_exit_2()
    {
        var path = await WriteAsync(root =>
        {
            foreach (var broken in Cases.Where(c => c.Name is "grace-negative" or "log-level-loud" or "retry-max-overflow" or "logging-json-maybe" or "body-limit-zero" or "unknown-job"))
            {
                broken.Edit!(root);
            }
        });
        var url = $"http://127.0.0.1:{TestHost.FreePort()}";

        var verbs = await Task.WhenAll(
            HostProcess.RunAsync(["serve", "--config", path, "--urls", url]),
            HostProcess.RunAsync(["run", "data-preparation", "--config", path]),
            HostProcess.RunAsync(["config", "check", "--config", path]));

        foreach (var (exitCode, output) in verbs)
        {
            Assert.True(exitCode == 2, $"exit {exitCode}:\n{output}");
            AssertNoStackTrace(output);
        }

        var lists = verbs.Select(v => Problems(v.Output)).ToList();
        Assert.Equal(7, lists[0].Count);
        Assert.Equal(lists[0], lists[1]);
        Assert.Equal(lists[0], lists[2]);
    }

    /// <summary>Typed pipeline options: values the binder cannot convert and unknown keys stop serve with the same lines.</summary>
    [Fact]
    public async Task Serve_reports_pipeline_values_the_binder_cannot_convert_and_unknown_keys_without_a_stack_trace()
    {
        var names = new[] { "parallel-words", "overlap-number", "poll-coefficient-words", "retry-max-words", "pipeline-typo", "entity-typo" };
        var path = await WriteAsync(root =>
        {
            foreach (var broken in Cases.Where(c => names.Contains(c.Name)))
            {
                broken.Edit!(root);
            }
        });

        var (exitCode, output) = await HostProcess.RunAsync(["serve", "--config", path, "--urls", $"http://127.0.0.1:{TestHost.FreePort()}"]);

        Assert.True(exitCode == 2, $"exit {exitCode}:\n{output}");
        AssertNoStackTrace(output);
        Assert.Contains($"The configuration has {names.Length} problems:", output, StringComparison.Ordinal);
        foreach (var broken in Cases.Where(c => names.Contains(c.Name)))
        {
            Assert.Contains(broken.Expected, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_names_the_line_of_a_JSON_error_instead_of_crashing()
    {
        var path = directory.File("broken.json");
        await File.WriteAllTextAsync(path, "{\n  \"Orchestrator\": { \"DataDirectory\": \"data\" }\n  \"Serilog\": {}\n}", Token);

        var (exitCode, output) = await HostProcess.RunAsync(["serve", "--config", path, "--urls", $"http://127.0.0.1:{TestHost.FreePort()}"]);

        Assert.Equal(2, exitCode);
        AssertNoStackTrace(output);
        Assert.Contains($"{path}: line 3, position 3:", output, StringComparison.Ordinal);
    }

    /// <summary>The problem lines a verb printed, in order.</summary>
    static List<string> Problems(string output) =>
        output.Split('\n').Select(l => l.TrimEnd()).SkipWhile(l => !l.StartsWith("The configuration has ", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0).ToList();

    static void AssertNoStackTrace(string output)
    {
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", output);
        Assert.DoesNotContain("Exception:", output, StringComparison.Ordinal);
    }

    static async Task<(int ExitCode, string Output)> ConfigCheckAsync(string path)
    {
        using var output = new StringWriter();
        var exitCode = await CommandLine.InvokeAsync(["config", "check", "--config", path], output, output);
        return (exitCode, output.ToString());
    }

    async Task<string> WriteAsync(Func<JsonObject, string> write)
    {
        var root = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryRoot.File("appsettings.json"), Token))!.AsObject();
        Put(root, "Orchestrator:DataDirectory", System.IO.Path.Combine(directory.Path, "data"));
        var path = directory.File($"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, write(root), Token);
        return path;
    }

    Task<string> WriteAsync(Action<JsonObject> edit) => WriteAsync(root =>
    {
        edit(root);
        return root.ToJsonString();
    });

    static BrokenConfiguration Text(string name, string text, string expected) => new(name, _ => text, null, expected);

    static BrokenConfiguration Edit(string name, Action<JsonObject> edit, string expected) => new(name, root =>
    {
        edit(root);
        return root.ToJsonString();
    }, edit, expected);

    static BrokenConfiguration Set(string name, string key, JsonNode value, string expected) => Edit(name, root => Put(root, key, value), expected);

    static BrokenConfiguration Set(string name, string key, string value, string expected) => Set(name, key, JsonValue.Create(value), expected);

    static BrokenConfiguration Set(string name, string key, double value, string expected) => Set(name, key, JsonValue.Create(value), expected);

    static BrokenConfiguration Set(string name, string key, bool value, string expected) => Set(name, key, JsonValue.Create(value), expected);

    static BrokenConfiguration Aws(string name, string key, JsonNode value, string expected) => Edit(name, root =>
    {
        Put(root, "Orchestrator:Glue:Backend", "Aws");
        Put(root, $"Orchestrator:Glue:Aws:{key}", value);
    }, expected);

    static BrokenConfiguration Aws(string name, string key, string value, string expected) => Aws(name, key, JsonValue.Create(value), expected);

    static BrokenConfiguration Aws(string name, string key, double value, string expected) => Aws(name, key, JsonValue.Create(value), expected);

    static BrokenConfiguration Rename(string name, string pipeline, string expected) => Edit(name, root =>
    {
        var pipelines = Node(root, "Orchestrator:Pipelines").AsObject();
        var definition = pipelines["data-preparation"]!;
        pipelines.Remove("data-preparation");
        pipelines[pipeline] = definition;
    }, expected);

    /// <summary>Sets a value by configuration key, creating the objects on the way.</summary>
    static void Put(JsonObject root, string key, JsonNode? value)
    {
        var parts = key.Split(':');
        var parent = root;
        foreach (var part in parts[..^1])
        {
            parent = (parent[part] ??= new JsonObject()).AsObject();
        }

        // The cases' values are shared: each file gets its own copy.
        parent[parts[^1]] = value?.DeepClone();
    }

    static void Put(JsonObject root, string key, string value) => Put(root, key, JsonValue.Create(value));

    static JsonNode Node(JsonObject root, string key) => key.Split(':').Aggregate((JsonNode)root, (node, part) => node[part]!);

    public void Dispose() => directory.Dispose();

    /// <summary>One broken configuration: how to write it, the edit (for combining cases), and what a user must be told.</summary>
    sealed record BrokenConfiguration(string Name, Func<JsonObject, string> Write, Action<JsonObject>? Edit, string Expected);
}
