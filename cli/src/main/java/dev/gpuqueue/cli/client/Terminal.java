package dev.gpuqueue.cli.client;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The root command's standard streams as bytes: input for confirmation prompts, output for what
 * must reach it byte for byte (job logs). Tests supply their own.
 */
public interface Terminal {
    InputStream input();

    OutputStream output();
}
