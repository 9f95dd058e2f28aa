package dev.gpuqueue.cli;

import dev.gpuqueue.cli.client.ClientException;
import dev.gpuqueue.cli.client.GpusCommand;
import dev.gpuqueue.cli.client.Terminal;
import dev.gpuqueue.cli.client.JobsCommand;
import dev.gpuqueue.cli.client.QueueCommand;
import dev.gpuqueue.cli.client.WorkersCommand;
import dev.gpuqueue.cli.worker.WorkerCommand;
import dev.gpuqueue.core.error.QueueException;
import java.io.InputStream;
import java.io.OutputStream;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root command: {@code gpuqueue <command>}. Exit codes: 0 ok, 1 failure, 2 usage. */
@Command(name = "gpuqueue", mixinStandardHelpOptions = true, version = "gpuqueue 0.1.0",
        description = "Schedules GPU training jobs: priorities, limits, approvals, GPU placement.",
        subcommands = {ServerCommand.class, WorkerCommand.class, JobsCommand.class, QueueCommand.class, GpusCommand.class,
                WorkersCommand.class, UsersCommand.class, AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class GpuqueueCommand implements Runnable, Terminal {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final InputStream input;
    private final OutputStream output;

    GpuqueueCommand(InputStream input, OutputStream output) {
        this.input = input;
        this.output = output;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (try 'gpuqueue help')");
    }

    /** The command line with gpuqueue's exit codes and error handling: one line, no stack trace. */
    public static CommandLine commandLine() {
        return commandLine(System.in, System.out);
    }

    /**
     * As {@link #commandLine()}, reading confirmations from {@code input} and writing byte-exact
     * output (logs) to {@code output}, which should be where the command line's {@code out} writes.
     */
    public static CommandLine commandLine(InputStream input, OutputStream output) {
        CommandLine commandLine = new CommandLine(new GpuqueueCommand(input, output));
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof QueueException || e instanceof ClientException) {
                cmd.getErr().println("gpuqueue: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return commandLine;
    }
}
