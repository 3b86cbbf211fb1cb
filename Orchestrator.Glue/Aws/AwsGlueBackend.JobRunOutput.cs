namespace Orchestrator.Glue.Aws;

// What a succeeded run wrote: Glue does not say, so the script's manifest in S3 does (JobRunManifests).
public sealed partial class AwsGlueBackend
{
    public async Task<JobRunOutput> GetJobRunOutputAsync(string jobName, GlueJobRun run, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobName);
        ArgumentNullException.ThrowIfNull(run);
        var arguments = run.Arguments;
        if (!arguments.ContainsKey(JobRunManifests.BucketArgument) || !arguments.ContainsKey(JobRunManifests.EntityArgument))
        {
            // What the run was not given comes from the job's defaults, as Glue resolves it for the script.
            try
            {
                var job = await GetJobAsync(jobName, cancellationToken);
                arguments = job.DefaultArguments.Concat(run.Arguments)
                    .GroupBy(a => a.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
            }
            catch (GlueException ex)
            {
                return new JobRunOutput([],
                    $"the manifest of job run {run.Id} could not be located: GetJob {jobName} failed: {ex.Message}");
            }
        }

        var bucket = NonEmpty(arguments, JobRunManifests.BucketArgument) ?? NonEmpty(options.ManifestBucket);
        if (bucket is null)
        {
            return new JobRunOutput([],
                $"the partitions job run {run.Id} wrote are not known: job {jobName} has no " +
                $"{JobRunManifests.BucketArgument} argument and {AwsGlueOptions.SectionPath}:ManifestBucket is not set");
        }

        if (NonEmpty(arguments, JobRunManifests.EntityArgument) is not { } entity)
        {
            return new JobRunOutput([],
                $"the partitions job run {run.Id} wrote are not known: it has no {JobRunManifests.EntityArgument} argument, " +
                "which names its manifest folder");
        }

        return await manifests.ReadAsync(bucket, entity, run.Id, cancellationToken);
    }

    static string? NonEmpty(IReadOnlyDictionary<string, string> arguments, string name) =>
        arguments.TryGetValue(name, out var value) ? NonEmpty(value) : null;

    static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
