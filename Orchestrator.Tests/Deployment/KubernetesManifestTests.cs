using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Host.Hosting;
using Orchestrator.Storage;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// deploy/k8s without a cluster: the manifests parse with Kubernetes' types, the Deployment runs several replicas
/// only on SQL Server, probes the host's real health endpoints, stops slower than the worker drains, takes AWS
/// credentials from IRSA, and every setting it gives (variables and the mounted appsettings.json) binds.
/// </summary>
public sealed class KubernetesManifestTests
{
    internal static readonly string Folder = RepositoryRoot.File("deploy/k8s");

    [Fact]
    public void The_folder_holds_each_kind_once_and_kustomization_lists_all_but_the_secret_example()
    {
        var kinds = Manifests().Select(m => m.Document["kind"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(["ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount"], kinds);

        var kustomization = YamlDocuments.Load(Path.Combine(Folder, "kustomization.yaml")).Single();
        var listed = kustomization["resources"]!.AsArray().Select(r => r!.GetValue<string>()).Order(StringComparer.Ordinal);
        var files = Manifests().Select(m => m.File).Where(f => f != "secret.example.yaml").Order(StringComparer.Ordinal);
        Assert.Equal(files, listed);
    }

    [Fact]
    public async Task Kustomize_renders_the_folder()
    {
        var kubectl = CommandLineTool.Find("kubectl");
        if (kubectl is null)
        {
            Assert.Skip("kubectl is not on PATH, so `kubectl kustomize deploy/k8s` was not tried.");
        }

        var run = await kubectl.RunAsync(["kustomize", Folder], RepositoryRoot.Path);

        Assert.True(run.ExitCode == 0, $"kubectl kustomize exited {run.ExitCode}:\n{run.Output}");
        using var rendered = new TempDirectory();
        await File.WriteAllTextAsync(rendered.File("rendered.yaml"), run.Output, TestContext.Current.CancellationToken);
        var deployment = YamlDocuments.Load(rendered.File("rendered.yaml")).Single(d => d["kind"]!.GetValue<string>() == "Deployment");
        Assert.Equal("registry.example.com/orchestrator:1.0.0", Container(deployment)["image"]!.GetValue<string>());
    }

    [Fact]
    public void Several_replicas_share_one_sql_server_task_hub()
    {
        var deployment = Single("Deployment");

        Assert.True(deployment["spec"]!["replicas"]!.GetValue<long>() >= 2);
        var settings = Settings();
        Assert.Equal(StoreProviders.SqlServer, settings[$"{StoreOptions.Section}:Provider"]);
        var connection = Assert.Single(Env(deployment), e => e["name"]!.GetValue<string>() == "Orchestrator__Store__SqlServer__ConnectionString");
        Assert.NotNull(connection["valueFrom"]?["secretKeyRef"]);
        Assert.Contains("{pipeline}@{slot}", File.ReadAllText(Path.Combine(Folder, "deployment.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Probes_ask_the_hosts_readiness_and_liveness_endpoints_on_the_container_port()
    {
        var container = Container(Single("Deployment"));

        Assert.Equal("/readyz", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/healthz", container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/healthz", container["startupProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        var port = Assert.Single(container["ports"]!.AsArray())!;
        Assert.Equal(8080, port["containerPort"]!.GetValue<long>());
        Assert.All(new[] { "readinessProbe", "livenessProbe", "startupProbe" }, probe => Assert.Equal(port["name"]!.GetValue<string>(), container[probe]!["httpGet"]!["port"]!.GetValue<string>()));
        Assert.Equal(port["name"]!.GetValue<string>(), Single("Service")["spec"]!["ports"]![0]!["targetPort"]!.GetValue<string>());
        Assert.Equal(Dockerfile().Final.ExecForm("CMD"), container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public void Resources_are_requested_and_limited()
    {
        var resources = Container(Single("Deployment"))["resources"]!;

        foreach (var bound in new[] { "requests", "limits" })
        {
            Assert.All(new[] { "cpu", "memory" }, resource => Assert.Equal(JsonValueKind.String, resources[bound]![resource]!.GetValueKind()));
        }
    }

    [Fact]
    public void Kubernetes_waits_longer_than_the_worker_drains_before_killing_a_pod()
    {
        var pod = Single("Deployment")["spec"]!["template"]!["spec"]!;
        var grace = Settings().TryGetValue($"{OrchestratorOptions.Section}:Worker:ShutdownGracePeriod", out var set)
            ? TimeSpan.Parse(set!, System.Globalization.CultureInfo.InvariantCulture)
            : new WorkerOptions().ShutdownGracePeriod;

        var termination = TimeSpan.FromSeconds(pod["terminationGracePeriodSeconds"]!.GetValue<long>());

        Assert.True(termination > grace + ComposeFileTests.HostStopMargin, $"terminationGracePeriodSeconds {termination} must exceed the drain {grace} + {ComposeFileTests.HostStopMargin}");
    }

    [Fact]
    public void Aws_credentials_come_from_the_service_accounts_iam_role()
    {
        var account = Single("ServiceAccount");
        var pod = Single("Deployment")["spec"]!["template"]!["spec"]!;

        Assert.Equal(account["metadata"]!["name"]!.GetValue<string>(), pod["serviceAccountName"]!.GetValue<string>());
        Assert.StartsWith("arn:aws:iam::", account["metadata"]!["annotations"]!["eks.amazonaws.com/role-arn"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Aws", Settings()["Orchestrator:Glue:Backend"]);
        Assert.DoesNotContain(Env(Single("Deployment")), e => e["name"]!.GetValue<string>().StartsWith("AWS_", StringComparison.Ordinal));
    }

    [Fact]
    public void The_pod_runs_as_the_images_non_root_user_with_a_read_only_root()
    {
        var pod = Single("Deployment")["spec"]!["template"]!["spec"]!;
        var container = Container(Single("Deployment"));

        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        Assert.Equal(1654, pod["securityContext"]!["runAsUser"]!.GetValue<long>());
        Assert.True(container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());
        var mounts = container["volumeMounts"]!.AsArray().Select(m => m!["mountPath"]!.GetValue<string>()).ToList();
        Assert.Contains(Dockerfile().Final.Environment["Orchestrator__DataDirectory"], mounts);
        Assert.Contains("/tmp", mounts);
    }

    [Fact]
    public void Every_variable_and_every_setting_of_the_mounted_file_binds_to_the_options()
    {
        var deployment = Single("Deployment");
        var environment = Env(deployment).Select(e => KeyValuePair.Create(e["name"]!.GetValue<string>(), e["value"]?.GetValue<string>())).ToList();
        var settings = Settings().Where(s => s.Key.StartsWith(OrchestratorOptions.Section + ":", StringComparison.Ordinal))
            .Select(s => KeyValuePair.Create(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value));

        var problems = OptionsBinding.EnvironmentProblems(environment.Concat(settings));

        Assert.True(problems.Count == 0, "deploy/k8s gives settings the host does not read:\n" + string.Join('\n', problems));
        Assert.Contains(environment, e => e.Key == HostConfiguration.FileVariable && e.Value == ConfigFilePath());
        Assert.True(Settings().Count > 20, "the mounted appsettings.json was not read");
    }

    [Fact]
    public void The_secrets_the_pod_reads_are_in_the_secret_example_and_the_config_map_is_mounted()
    {
        var deployment = Single("Deployment");
        var secret = Single("Secret");
        var keys = secret["stringData"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

        var references = Env(deployment).Select(e => e["valueFrom"]?["secretKeyRef"]).OfType<JsonNode>().ToList();
        Assert.Equal(2, references.Count);
        Assert.All(references, reference =>
        {
            Assert.Equal(secret["metadata"]!["name"]!.GetValue<string>(), reference["name"]!.GetValue<string>());
            Assert.Contains(reference["key"]!.GetValue<string>(), keys);
        });
        Assert.All(secret["stringData"]!.AsObject(), value => Assert.Equal(JsonValueKind.String, value.Value!.GetValueKind()));
        Assert.Equal(Single("ConfigMap")["metadata"]!["name"]!.GetValue<string>(),
            deployment["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => v!["configMap"] is not null)!["configMap"]!["name"]!.GetValue<string>());
    }

    /// <summary>Every manifest in the folder (kustomization.yaml aside), with its file name.</summary>
    internal static IReadOnlyList<(string File, JsonObject Document)> Manifests() =>
        Directory.EnumerateFiles(Folder, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => YamlDocuments.Load(f).Select(d => (Path.GetFileName(f), d.AsObject())))
            .ToList();

    internal static JsonObject Single(string kind) => Manifests().Single(m => m.Document["kind"]!.GetValue<string>() == kind).Document;

    internal static JsonObject Container(JsonNode deployment) => deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single()!.AsObject();

    internal static IReadOnlyList<JsonNode> Env(JsonNode deployment) => Container(deployment)["env"]!.AsArray().OfType<JsonNode>().ToList();

    /// <summary>Where the pod finds the config map's appsettings.json (ORCHESTRATOR_CONFIG).</summary>
    internal static string ConfigFilePath() =>
        Env(Single("Deployment")).Single(e => e["name"]!.GetValue<string>() == HostConfiguration.FileVariable)["value"]!.GetValue<string>();

    /// <summary>The config map's appsettings.json as the text it is mounted with.</summary>
    internal static string ConfigFile() =>
        Single("ConfigMap")["data"]![Path.GetFileName(ConfigFilePath())]!.GetValue<string>();

    /// <summary>The mounted appsettings.json flattened to configuration keys (Orchestrator:Store:Provider → SqlServer).</summary>
    internal static IReadOnlyDictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(JsonNode.Parse(ConfigFile()), string.Empty, settings);
        return settings;
    }

    static void Flatten(JsonNode? node, string prefix, Dictionary<string, string?> settings)
    {
        switch (node)
        {
            case JsonObject map:
                foreach (var (name, value) in map)
                {
                    Flatten(value, prefix.Length == 0 ? name : $"{prefix}:{name}", settings);
                }

                break;
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    Flatten(list[i], $"{prefix}:{i}", settings);
                }

                break;
            default:
                settings[prefix] = node?.ToString();
                break;
        }
    }

    static Dockerfile Dockerfile() => PublishedHost.Dockerfile;
}
