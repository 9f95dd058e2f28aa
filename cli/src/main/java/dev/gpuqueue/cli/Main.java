package dev.gpuqueue.cli;

import picocli.CommandLine;

/** The entry point of {@code gpuqueue.jar}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(GpuqueueCommand.commandLine().execute(args));
    }
}
