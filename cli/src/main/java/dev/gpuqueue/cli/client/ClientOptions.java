package dev.gpuqueue.cli.client;

import picocli.CommandLine.Option;

/** {@code --url} / {@code GPUQUEUE_URL} and {@code --token} / {@code GPUQUEUE_TOKEN}, shared by client commands. */
public final class ClientOptions {
    @Option(names = "--url", defaultValue = "${env:GPUQUEUE_URL:-http://127.0.0.1:8000}",
            description = "Server URL (default: $GPUQUEUE_URL, else http://127.0.0.1:8000).")
    String url;

    @Option(names = "--token", defaultValue = "${env:GPUQUEUE_TOKEN}",
            description = "API token (default: $GPUQUEUE_TOKEN); not needed in single-user mode.")
    String token;

    public ApiClient client() {
        return new ApiClient(url, token);
    }
}
