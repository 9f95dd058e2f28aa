package dev.gpuqueue.cli.client;

/** A client command failed: the server said no, or could not be reached. Exit code 1, one line. */
public final class ClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The server's HTTP status when it answered with an error; 0 when it could not be reached. */
    private final int status;

    public ClientException(String message) {
        this(message, 0);
    }

    public ClientException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** Whether the server itself refused the request (4xx): asking again will not help. */
    public boolean refused() {
        return status >= 400 && status < 500;
    }
}
