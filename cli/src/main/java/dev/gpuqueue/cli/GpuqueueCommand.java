package dev.gpuqueue.cli;

import dev.gpuqueue.core.error.QueueException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root command: {@code gpuqueue <command>}. Exit codes: 0 ok, 1 failure, 2 usage. */
@Command(name = "gpuqueue", mixinStandardHelpOptions = true, version = "gpuqueue 0.1.0",
        description = "Schedules GPU training jobs: priorities, limits, approvals, GPU placement.",
        subcommands = {ServerCommand.class, CommandLine.HelpCommand.class})
public final class GpuqueueCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (try 'gpuqueue help')");
    }

    /** The command line with gpuqueue's exit codes and error handling: one line, no stack trace. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new GpuqueueCommand());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof QueueException) {
                cmd.getErr().println("gpuqueue: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return commandLine;
    }
}
