return await Orchestrator.Host.Cli.CommandLine.InvokeAsync(args);
