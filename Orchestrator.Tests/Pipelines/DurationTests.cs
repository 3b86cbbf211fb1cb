using System.ComponentModel;
using Microsoft.Extensions.Configuration;
using Orchestrator.Activities.Pipelines;

namespace Orchestrator.Tests.Pipelines;

/// <summary>The one converter of pipeline durations: both written forms, its bounds, and the binder going through it.</summary>
public sealed class DurationTests
{
    [Theory]
    [InlineData("00:00:30", 30)]
    [InlineData("1.00:00:00", 86_400)]
    [InlineData("02:00:00", 7_200)]
    [InlineData("500ms", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1.5h", 5_400)]
    [InlineData("2h", 7_200)]
    [InlineData("1d", 86_400)]
    [InlineData(" 45 m ", 2_700)]
    [InlineData("-1h", -3_600)]
    public void Both_forms_read_and_keep_the_text_as_written(string text, double seconds)
    {
        Assert.True(Duration.TryParse(text, out var duration));

        Assert.Equal(TimeSpan.FromSeconds(seconds), duration.Value);
        Assert.Equal(text.Trim(), duration.Text);
        Assert.Equal(text.Trim(), duration.ToString());
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("30 sec")]
    [InlineData("5M")]
    [InlineData("1w")]
    [InlineData("s")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Anything_else_is_not_a_duration(string? text)
    {
        Assert.False(Duration.TryParse(text, out _));
        var refused = Assert.Throws<FormatException>(() => Duration.Parse(text!));
        Assert.Contains(Duration.Allowed, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9999999999d", true)]
    [InlineData("99999999.00:00:00", true)]
    [InlineData("-9999999999d", false)]
    [InlineData("-99999999.00:00:00", false)]
    public void A_duration_too_long_for_a_TimeSpan_saturates_instead_of_throwing(string text, bool positive)
    {
        Assert.True(Duration.TryParse(text, out var duration));

        Assert.Equal(positive ? TimeSpan.MaxValue : TimeSpan.MinValue, duration.Value);
        Assert.Equal(text, duration.Text);
    }

    [Fact]
    public void The_type_descriptor_finds_the_converter_in_both_directions()
    {
        var converter = TypeDescriptor.GetConverter(typeof(Duration));

        Assert.IsType<DurationConverter>(converter);
        var duration = Assert.IsType<Duration>(converter.ConvertFromInvariantString("5m"));
        Assert.Equal(TimeSpan.FromMinutes(5), duration.Value);
        Assert.Equal("5m", converter.ConvertToInvariantString(duration));
        Assert.Equal(TimeSpan.FromMinutes(5), converter.ConvertTo(duration, typeof(TimeSpan)));
        Assert.Throws<FormatException>(() => converter.ConvertFromInvariantString("soon"));
    }

    [Fact]
    public void The_configuration_binder_reads_typed_pipeline_options_through_the_converters()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JobTimeout"] = "45m",
            ["RunDeadline"] = "1.00:00:00",
            ["MaxParallelJobs"] = "4",
            ["Overlap"] = "queue",
            ["RunOnStartup"] = "true",
            ["Retry:FirstDelay"] = "500ms",
            ["Retry:BackoffCoefficient"] = "1.5",
            ["Entities:sales:JobTimeout"] = "2h",
        }).Build();

        var options = configuration.Get<PipelineOptions>()!;

        Assert.Equal(TimeSpan.FromMinutes(45), options.JobTimeout!.Value.Value);
        Assert.Equal(TimeSpan.FromDays(1), options.RunDeadline!.Value.Value);
        Assert.Equal(4, options.MaxParallelJobs);
        Assert.Equal(OverlapPolicy.Queue, options.Overlap);
        Assert.True(options.RunOnStartup);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Retry.FirstDelay!.Value.Value);
        Assert.Equal(1.5, options.Retry.BackoffCoefficient);
        Assert.Equal(TimeSpan.FromHours(2), options.Entities["SALES"].JobTimeout!.Value.Value);
        Assert.Null(options.CrawlerTimeout);
        Assert.Null(options.Retry.MaxAttempts);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("Sometimes")]
    public void A_policy_binds_by_name_only(string text)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Overlap"] = text }).Build();

        var refused = Assert.Throws<InvalidOperationException>(() => configuration.Get<PipelineOptions>());

        Assert.Contains("Overlap", refused.Message, StringComparison.Ordinal);
    }
}
