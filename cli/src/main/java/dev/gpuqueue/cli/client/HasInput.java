package dev.gpuqueue.cli.client;

import java.io.InputStream;

/** The root command's standard input, for confirmation prompts (tests supply their own). */
public interface HasInput {
    InputStream input();
}
