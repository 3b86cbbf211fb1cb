using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Orchestrator.Activities.Pipelines;
using Orchestrator.Glue;
using Orchestrator.Glue.Aws;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// deploy/aws as far as this machine can check it: the CloudFormation template lints and holds a least-privilege
/// orchestrator policy, the job matches how the orchestrator runs it, and the PySpark script compiles, passes its
/// unit tests and accepts the arguments the stack and the orchestrator pass.
/// </summary>
public sealed partial class AwsStackTests
{
    /// <summary>Every Glue operation <c>AwsGlueBackend</c> sends, the manifest read, the raw listing, and nothing else.</summary>
    static readonly string[] OrchestratorActions =
    [
        "glue:StartCrawler", "glue:GetCrawler", "glue:GetCrawlerMetrics", "glue:StopCrawler",
        "glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun", "glue:GetJob",
        "glue:GetTable", "glue:GetPartitions",
        "s3:GetObject", "s3:ListBucket",
    ];

    const string ManifestObjects = "arn:${AWS::Partition}:s3:::${CleanBucketName}/" + JobRunManifests.KeyPrefix + "*";

    static readonly string AwsFolder = RepositoryRoot.File(System.IO.Path.Combine("deploy", "aws"));
    static readonly string TemplatePath = Path.Combine(AwsFolder, "glue-stack.yaml");

    static CloudFormationTemplate Template => CloudFormationTemplate.Load(TemplatePath);

    [Fact]
    public async Task Cfn_lint_finds_nothing_in_the_template()
    {
        var cfnLint = CommandLineTool.Find("cfn-lint")
            ?? SkipBecause("cfn-lint is not on PATH (it comes with the machine image's Python; `pip install cfn-lint` " +
                "elsewhere), so deploy/aws/glue-stack.yaml was not linted.");

        var run = await cfnLint.RunAsync(["--", TemplatePath], RepositoryRoot.Path);

        Assert.True(run.ExitCode == 0, $"cfn-lint exited {run.ExitCode}:\n{run.Output}");
    }

    [Fact]
    public void The_template_is_plain_yaml_with_the_glue_resources_of_a_pipeline()
    {
        var template = Template;

        Assert.Equal(2, template.ResourcesOfType("AWS::Glue::Database").Count);
        Assert.Equal(["CleanCrawler", "RawCrawler"], template.ResourcesOfType("AWS::Glue::Crawler").Order(StringComparer.Ordinal));
        Assert.Equal(["DataPreparationJob"], template.ResourcesOfType("AWS::Glue::Job"));
        Assert.Equal(["OrchestratorPolicy"], template.ResourcesOfType("AWS::IAM::ManagedPolicy"));
        Assert.Equal("mystore-raw-crawler", template.ParameterDefault("RawCrawlerName"));
        Assert.Equal("mystore-clean-crawler", template.ParameterDefault("CleanCrawlerName"));
        Assert.Equal("mystore-data-preparation-parquet", template.ParameterDefault("DataPreparationJobName"));
    }

    [Fact]
    public void The_orchestrator_policy_allows_exactly_the_glue_actions_the_backend_calls()
    {
        var statements = OrchestratorStatements();

        Assert.All(statements, s => Assert.Equal("Allow", s["Effect"]?.GetValue<string>()));
        Assert.All(statements, s => Assert.Null(s["NotAction"]));
        Assert.All(statements, s => Assert.Null(s["NotResource"]));
        var actions = statements.SelectMany(s => CloudFormationTemplate.Texts(s["Action"])).Distinct().ToList();
        Assert.DoesNotContain(actions, a => a.Contains('*', StringComparison.Ordinal));
        Assert.Equal(OrchestratorActions.Order(StringComparer.Ordinal), actions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_GetCrawlerMetrics_is_granted_on_every_resource_and_the_rest_on_the_stacks_own()
    {
        var statements = OrchestratorStatements();

        var onEverything = statements.Where(s => CloudFormationTemplate.Texts(s["Resource"]).Contains("*")).ToList();
        var metrics = Assert.Single(onEverything);
        Assert.Equal(["glue:GetCrawlerMetrics"], CloudFormationTemplate.Texts(metrics["Action"]));

        var crawlerArns = ResourcesOf(statements, "glue:StartCrawler");
        Assert.Equal(crawlerArns, ResourcesOf(statements, "glue:StopCrawler"));
        Assert.Equal(crawlerArns, ResourcesOf(statements, "glue:GetCrawler"));
        Assert.Equal(
            ["arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:crawler/${CleanCrawlerName}-*",
             "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:crawler/${CleanCrawler}",
             "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:crawler/${RawCrawler}"],
            crawlerArns);
        Assert.Equal([ManifestObjects], ResourcesOf(statements, "s3:GetObject"));
        foreach (var action in OrchestratorActions.Where(a => a.Contains("Job", StringComparison.Ordinal)))
        {
            Assert.Equal(["arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/${DataPreparationJob}"],
                ResourcesOf(statements, action));
        }
    }

    [Fact]
    public void The_job_takes_one_run_per_entity_at_once_with_bookmarks_and_no_retries_of_its_own()
    {
        var template = Template;
        var job = template.Properties("DataPreparationJob");
        var defaults = job["DefaultArguments"]!.AsObject();

        var pipelineDefault = PipelineDefinitionReader.ReadAll(new Dictionary<string, PipelineOptions>
        {
            ["data-preparation"] = new() { Entities = { ["customer"] = new() { Job = "mystore-data-preparation-parquet" } } },
        });
        Assert.Empty(pipelineDefault.Problems);
        Assert.Equal("${MaxConcurrentRuns}", CloudFormationTemplate.Text(job["ExecutionProperty"]?["MaxConcurrentRuns"]));
        Assert.True(int.Parse(template.ParameterDefault("MaxConcurrentRuns"), System.Globalization.CultureInfo.InvariantCulture)
            >= pipelineDefault.Definitions[0].MaxParallelJobs, "MaxConcurrentRuns must allow the pipeline's default MaxParallelJobs");

        Assert.Equal("job-bookmark-enable", CloudFormationTemplate.Text(defaults["--job-bookmark-option"]));
        Assert.Equal("${RawDatabase}", CloudFormationTemplate.Text(defaults["--raw_db_name"]));
        Assert.Equal("${CleanDatabase}", CloudFormationTemplate.Text(defaults["--clean_db_name"]));
        Assert.Equal("true", CloudFormationTemplate.Text(defaults["--enable-metrics"]));
        Assert.Equal("0", CloudFormationTemplate.Text(job["MaxRetries"]));
        Assert.Equal("glueetl", CloudFormationTemplate.Text(job["Command"]?["Name"]));
        var versions = template.Root["Parameters"]!["GlueVersion"]!["AllowedValues"]!.AsArray().Select(CloudFormationTemplate.Text);
        Assert.Equal(["4.0", "5.0"], versions);
    }

    [Fact]
    public void The_crawlers_make_one_table_per_entity_folder_under_the_default_prefixes()
    {
        var template = Template;

        foreach (var (crawler, prefix, level) in new[] { ("RawCrawler", "RawPrefix", "RawTableLevel"), ("CleanCrawler", "CleanPrefix", "CleanTableLevel") })
        {
            var folders = template.ParameterDefault(prefix).Count(c => c == '/');
            Assert.Equal((folders + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), template.ParameterDefault(level));
            var configuration = CloudFormationTemplate.Text(template.Properties(crawler)["Configuration"]);
            Assert.Contains("\"TableLevelConfiguration\":${" + level + "}", configuration, StringComparison.Ordinal);
            Assert.Contains("\"AddOrUpdateBehavior\":\"MergeNewColumns\"", configuration, StringComparison.Ordinal);
            Assert.Equal("LOG", CloudFormationTemplate.Text(template.Properties(crawler)["SchemaChangePolicy"]?["DeleteBehavior"]));
        }
    }

    [Fact]
    public void The_job_writes_run_manifests_where_the_orchestrator_may_read_them_and_nowhere_else()
    {
        var template = Template;
        var defaults = template.Properties("DataPreparationJob")["DefaultArguments"]!.AsObject();
        var jobStatements = template.Properties("DataPreparationJobRole")["Policies"]!.AsArray()
            .SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray()).Select(s => s!.AsObject()).ToList();

        Assert.Equal("${CleanBucketName}", CloudFormationTemplate.Text(defaults[JobRunManifests.BucketArgument]));
        var writes = Assert.Single(jobStatements, s => CloudFormationTemplate.Texts(s["Resource"]).Contains(ManifestObjects));
        Assert.Equal(["s3:PutObject"], CloudFormationTemplate.Texts(writes["Action"]));
        var reads = Assert.Single(OrchestratorStatements(), s => CloudFormationTemplate.Texts(s["Action"]).Contains("s3:GetObject"));
        Assert.Equal(["s3:GetObject"], CloudFormationTemplate.Texts(reads["Action"]));
        Assert.Equal([ManifestObjects], CloudFormationTemplate.Texts(reads["Resource"]));
    }

    [Fact]
    public void Per_entity_clean_crawlers_are_off_by_default_and_each_crawls_one_entitys_folder()
    {
        var template = Template;
        var (identifier, collection, logicalId, crawler) = template.ForEach("Resources", "EntityCleanCrawlers");
        var properties = crawler["Properties"]!.AsObject();

        Assert.Equal("AWS::LanguageExtensions", CloudFormationTemplate.Text(template.Root["Transform"]));
        Assert.Equal("false", template.ParameterDefault("PerEntityCleanCrawlers"));
        Assert.Equal("customer,customer_address,sales", template.ParameterDefault("CleanCrawlerEntities"));
        Assert.Equal(("Entity", "${CleanCrawlerEntities}", "CleanCrawler&{Entity}"),
            (identifier, CloudFormationTemplate.Text(collection), logicalId));
        Assert.Equal("AWS::Glue::Crawler", CloudFormationTemplate.Text(crawler["Type"]));
        Assert.Equal("CrawlsEachEntity", CloudFormationTemplate.Text(crawler["Condition"]));
        Assert.Equal("${CleanCrawlerName}-${Entity}", CloudFormationTemplate.Text(properties["Name"]));
        Assert.Equal("${CleanDatabase}", CloudFormationTemplate.Text(properties["DatabaseName"]));
        var target = Assert.Single(properties["Targets"]!["S3Targets"]!.AsArray());
        Assert.Equal("s3://${CleanBucketName}/${CleanPrefix}${Entity}/", CloudFormationTemplate.Text(target!["Path"]));
        // The same crawl settings as the pipeline's clean crawler, so either catalogues a table the same way.
        var clean = template.Properties("CleanCrawler");
        foreach (var setting in new[] { "Configuration", "SchemaChangePolicy", "RecrawlPolicy" })
        {
            Assert.Equal(clean[setting]!.ToJsonString(), properties[setting]!.ToJsonString());
        }

        var lanes = Assert.Single(OrchestratorStatements(),
            s => CloudFormationTemplate.Texts(s["Resource"]).Any(r => r.EndsWith("crawler/${CleanCrawlerName}-*", StringComparison.Ordinal)));
        Assert.Equal(["glue:GetCrawler", "glue:StartCrawler", "glue:StopCrawler"],
            CloudFormationTemplate.Texts(lanes["Action"]).Order(StringComparer.Ordinal));
        var conditional = template.Properties("OrchestratorPolicy")["PolicyDocument"]!["Statement"]!.AsArray()
            .Single(s => s!["Fn::If"] is not null)!["Fn::If"]!.AsArray();
        Assert.Equal("CrawlsEachEntity", CloudFormationTemplate.Text(conditional[0]));
        Assert.Equal("${AWS::NoValue}", CloudFormationTemplate.Text(conditional[2]));
    }

    [Fact]
    public async Task The_script_compiles()
    {
        var python = Python();
        using var cache = new TempDirectory();

        var run = await python.RunAsync(["-m", "py_compile", Path.Combine("deploy", "aws", "data_preparation.py")],
            RepositoryRoot.Path, new Dictionary<string, string> { ["PYTHONPYCACHEPREFIX"] = cache.Path });

        Assert.True(run.ExitCode == 0, $"py_compile exited {run.ExitCode}:\n{run.Output}");
    }

    [Fact]
    public async Task The_scripts_pure_helpers_pass_their_unit_tests()
    {
        var python = Python();

        var run = await python.RunAsync(["-m", "unittest", "-v", "test_data_preparation"], AwsFolder,
            new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });

        Assert.True(run.ExitCode == 0, $"the script's unit tests failed ({run.ExitCode}):\n{run.Output}");
        var ran = TestsRan().Match(run.Output);
        Assert.True(ran.Success && int.Parse(ran.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0,
            $"no unit test ran:\n{run.Output}");
    }

    [Fact]
    public async Task The_script_reads_the_arguments_and_codecs_the_orchestrator_and_the_stack_pass()
    {
        var python = Python();
        var run = await python.RunAsync(
            ["-c", "import json, data_preparation as d; " +
                "print(json.dumps([list(d.REQUIRED_ARGUMENTS), list(d.OPTIONAL_ARGUMENTS), list(d.PARQUET_CODECS), d.MANIFEST_PREFIX]))"],
            AwsFolder, new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Assert.True(run.ExitCode == 0, $"could not import data_preparation.py:\n{run.Output}");
        var lists = JsonNode.Parse(run.Output)!.AsArray();
        var required = lists[0]!.AsArray().Select(n => "--" + n!.GetValue<string>()).ToList();
        var accepted = required.Concat(lists[1]!.AsArray().Select(n => "--" + n!.GetValue<string>())).ToList();

        Assert.Contains(GlueArguments.RunMarker, accepted);
        Assert.Contains(JobRunManifests.BucketArgument, accepted);
        Assert.Equal(JobRunManifests.KeyPrefix, lists[3]!.GetValue<string>());
        Assert.Contains("--datetime_formats", accepted);
        Assert.Subset(required.ToHashSet(),
            new HashSet<string> { "--source_entity_name", "--target_entity_name", "--datetime_partition_column", "--partition_key" });
        var template = Template;
        var scriptDefaults = template.Properties("DataPreparationJob")["DefaultArguments"]!.AsObject()
            .Select(a => a.Key)
            .Where(name => !GlueOwnArgument().IsMatch(name));
        Assert.All(scriptDefaults, name => Assert.Contains(name, accepted));
        var codecs = lists[2]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var offered = template.Root["Parameters"]!["ParquetCompression"]!["AllowedValues"]!.AsArray().Select(CloudFormationTemplate.Text);
        Assert.All(offered, codec => Assert.Contains(codec, codecs));
    }

    /// <summary>The policy's statements, a conditional one (<c>Fn::If</c>) as it reads when its condition holds.</summary>
    static List<JsonObject> OrchestratorStatements() =>
        Template.Properties("OrchestratorPolicy")["PolicyDocument"]!["Statement"]!.AsArray()
            .Select(s => s!["Fn::If"] is JsonArray conditional ? conditional[1]!.AsObject() : s.AsObject())
            .ToList();

    static List<string> ResourcesOf(List<JsonObject> statements, string action) =>
        statements.Where(s => CloudFormationTemplate.Texts(s["Action"]).Contains(action))
            .SelectMany(s => CloudFormationTemplate.Texts(s["Resource"]))
            .Order(StringComparer.Ordinal)
            .ToList();

    static CommandLineTool Python() =>
        CommandLineTool.Find("python3")
        ?? SkipBecause("python3 is not on PATH, so deploy/aws/data_preparation.py was not compiled or unit-tested.");

    static CommandLineTool SkipBecause(string reason)
    {
        Assert.Skip(reason);
        throw new InvalidOperationException("unreachable: Assert.Skip throws");
    }

    /// <summary>Arguments Glue itself reads (bookmarks, metrics, logs, temp dir, language), not the script.</summary>
    [GeneratedRegex("^--(job-|enable-|TempDir$)")]
    private static partial Regex GlueOwnArgument();

    [GeneratedRegex(@"^Ran (\d+) tests?", RegexOptions.Multiline)]
    private static partial Regex TestsRan();
}
