using System.Text;
using System.Text.Json;

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// A Dockerfile read into its build stages and instructions, as far as the checks need: line continuations and
/// comments, <c>ENV key=value</c> pairs, exec-form (JSON array) ENTRYPOINT, CMD and HEALTHCHECK CMD, COPY sources.
/// </summary>
public sealed class Dockerfile
{
    Dockerfile(IReadOnlyList<DockerfileStage> stages) => Stages = stages;

    public IReadOnlyList<DockerfileStage> Stages { get; }

    /// <summary>The stage the image is made of.</summary>
    public DockerfileStage Final => Stages[^1];

    public static Dockerfile Load(string path)
    {
        var stages = new List<DockerfileStage>();
        List<DockerInstruction>? instructions = null;
        foreach (var instruction in Instructions(File.ReadAllLines(path)))
        {
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                instructions = [];
                stages.Add(new DockerfileStage(words[0], words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, instructions));
            }
            else
            {
                (instructions ?? throw new InvalidDataException($"{path}:{instruction.Line}: {instruction.Keyword} before the first FROM")).Add(instruction);
            }
        }

        return stages.Count > 0 ? new Dockerfile(stages) : throw new InvalidDataException($"{path} has no FROM.");
    }

    static IEnumerable<DockerInstruction> Instructions(string[] lines)
    {
        var text = new StringBuilder();
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('#') || (line.Length == 0 && text.Length == 0))
            {
                continue;
            }

            if (text.Length == 0)
            {
                start = i + 1;
            }

            var continues = line.EndsWith('\\');
            text.Append(continues ? line[..^1] : line).Append(' ');
            if (!continues)
            {
                var logical = text.ToString().Trim();
                text.Clear();
                var space = logical.IndexOf(' ', StringComparison.Ordinal);
                yield return space < 0
                    ? new DockerInstruction(logical.ToUpperInvariant(), string.Empty, start)
                    : new DockerInstruction(logical[..space].ToUpperInvariant(), logical[(space + 1)..].Trim(), start);
            }
        }
    }
}

/// <summary>One build stage: its base image, its name (<c>AS name</c>) and its instructions after FROM.</summary>
public sealed record DockerfileStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>Every ENV of the stage in order, a later value replacing an earlier one.</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in All("ENV").SelectMany(i => i.EnvironmentPairs()))
            {
                environment[name] = value;
            }

            return environment;
        }
    }

    /// <summary>The last ENTRYPOINT or CMD in exec form; null when there is none.</summary>
    public IReadOnlyList<string>? ExecForm(string keyword) => All(keyword).LastOrDefault()?.ExecForm();

    public string? User => All("USER").LastOrDefault()?.Arguments;
}

/// <summary>One logical instruction (continuations joined), with the line it starts on.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>An exec-form argument list (<c>["a", "b"]</c>); shell form is refused, because signals and quoting differ.</summary>
    public IReadOnlyList<string> ExecForm()
    {
        var json = Keyword == "HEALTHCHECK" ? Arguments[(Arguments.IndexOf("CMD ", StringComparison.Ordinal) + 4)..] : Arguments;
        try
        {
            return JsonSerializer.Deserialize<string[]>(json.Trim()) ?? throw new InvalidDataException($"line {Line}: {Keyword} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"line {Line}: {Keyword} is not in exec form (a JSON array of strings): {json}", ex);
        }
    }

    /// <summary>HEALTHCHECK options before CMD, such as <c>interval</c> → <c>30s</c>.</summary>
    public IReadOnlyDictionary<string, string> Options() =>
        Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .TakeWhile(word => word.StartsWith("--", StringComparison.Ordinal))
            .Select(word => word[2..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty, StringComparer.Ordinal);

    /// <summary>COPY or ADD sources (everything but the destination), without the <c>--flag=value</c> options.</summary>
    public IReadOnlyList<string> Sources() =>
        Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => !word.StartsWith("--", StringComparison.Ordinal)).SkipLast(1).ToList();

    /// <summary><c>ENV a=1 b="two words" c=</c> as pairs; the legacy <c>ENV a 1</c> form is refused.</summary>
    public IEnumerable<(string Name, string Value)> EnvironmentPairs()
    {
        var pairs = new List<(string, string)>();
        var word = new StringBuilder();
        var quoted = false;
        foreach (var c in Arguments + " ")
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (word.Length > 0)
                {
                    var text = word.ToString();
                    var equals = text.IndexOf('=', StringComparison.Ordinal);
                    pairs.Add(equals > 0 ? (text[..equals], text[(equals + 1)..]) : throw new InvalidDataException($"line {Line}: ENV '{text}' is not name=value"));
                    word.Clear();
                }
            }
            else
            {
                word.Append(c);
            }
        }

        return pairs;
    }
}
