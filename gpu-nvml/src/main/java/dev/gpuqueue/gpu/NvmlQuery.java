package dev.gpuqueue.gpu;

import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.ToIntBiFunction;

/**
 * One per-device NVML query and its entry points, newest first. The first entry point the library
 * has is found on first use and kept. An entry point is missing when JNA cannot find its symbol
 * (a {@link LinkageError}) or NVML answers {@code FUNCTION_NOT_FOUND} or
 * {@code ARGUMENT_VERSION_MISMATCH}; a missing one is not tried again. Not thread-safe: the
 * inventory calls it under its lock.
 */
final class NvmlQuery<T> {
    /** A symbol and how to call it for a device, filling {@code T}. */
    private record EntryPoint<T>(String symbol, ToIntBiFunction<Pointer, T> call) {}

    private final List<EntryPoint<T>> entryPoints;
    private int current;
    private boolean answered;

    private NvmlQuery(List<EntryPoint<T>> entryPoints) {
        this.entryPoints = List.copyOf(entryPoints);
    }

    /** A query whose newest entry point is {@code symbol}. */
    static <T> NvmlQuery<T> first(String symbol, ToIntBiFunction<Pointer, T> call) {
        return new NvmlQuery<>(List.of(new EntryPoint<>(symbol, call)));
    }

    /** This query with {@code symbol} as the next, older entry point. */
    NvmlQuery<T> or(String symbol, ToIntBiFunction<Pointer, T> call) {
        List<EntryPoint<T>> more = new ArrayList<>(entryPoints);
        more.add(new EntryPoint<>(symbol, call));
        return new NvmlQuery<>(more);
    }

    /** Asks the device through the first entry point the library has; FUNCTION_NOT_FOUND when it has none. */
    int call(Pointer device, T out) {
        while (current < entryPoints.size()) {
            EntryPoint<T> entryPoint = entryPoints.get(current);
            int code = invoke(() -> entryPoint.call().applyAsInt(device, out));
            if (code != NvmlReturn.ERROR_FUNCTION_NOT_FOUND.code()
                    && code != NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH.code()) {
                answered = true;
                return code;
            }
            current++;
        }
        return NvmlReturn.ERROR_FUNCTION_NOT_FOUND.code();
    }

    /** The entry point in use; "none of ..." when the library has none; null before the first call. */
    String symbol() {
        if (current == entryPoints.size()) {
            return "none of " + String.join(", ", entryPoints.stream().map(EntryPoint::symbol).toList());
        }
        return answered ? entryPoints.get(current).symbol() : null;
    }

    /** Calls NVML; a symbol the library lacks answers FUNCTION_NOT_FOUND, as NVML itself does. */
    static int invoke(IntSupplier call) {
        try {
            return call.getAsInt();
        } catch (LinkageError e) {
            return NvmlReturn.ERROR_FUNCTION_NOT_FOUND.code();
        }
    }
}
