package dev.gpuqueue.gpu;

import dev.gpuqueue.core.error.QueueException;

/** An NVML call failed; carries the call and NVML's return code and message. */
public final class NvmlException extends QueueException {
    private static final long serialVersionUID = 1L;

    private final NvmlReturn result;

    public NvmlException(String call, NvmlReturn result, String message) {
        super(call + " failed: " + result.nvmlName() + " (" + message + ")");
        this.result = result;
    }

    public NvmlReturn result() {
        return result;
    }
}
