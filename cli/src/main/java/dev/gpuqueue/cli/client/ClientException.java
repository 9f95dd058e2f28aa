package dev.gpuqueue.cli.client;

/** A client command failed: the server said no, or could not be reached. Exit code 1, one line. */
public final class ClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClientException(String message) {
        super(message);
    }
}
