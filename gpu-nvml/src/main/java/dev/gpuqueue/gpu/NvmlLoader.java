package dev.gpuqueue.gpu;

import com.sun.jna.Native;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads {@code libnvidia-ml} through JNA on first use. A missing library (no driver, a CPU-only
 * machine, CI) is a value, {@link Availability#notAvailable}, never an exception. Thread-safe.
 */
final class NvmlLoader {
    /** The plain name (development installs) and the driver's versioned soname. */
    static final List<String> DEFAULT_NAMES = List.of("nvidia-ml", "libnvidia-ml.so.1");

    private NvmlLoader() {}

    /** Whether NVML loaded, and why not. Immutable. */
    record Availability(NvmlLibrary library, String reason) {
        static Availability loaded(NvmlLibrary library) {
            return new Availability(library, null);
        }

        static Availability notAvailable(String reason) {
            return new Availability(null, reason);
        }

        boolean isLoaded() {
            return library != null;
        }
    }

    /** The library under the default names, loaded once per process. */
    static Availability system() {
        return Holder.SYSTEM;
    }

    /** Tries each name (or absolute path) in turn. */
    static Availability load(List<String> names) {
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            try {
                return Availability.loaded(Native.load(name, NvmlLibrary.class));
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                failures.add(name + ": " + oneLine(e.getMessage()));
            }
        }
        return Availability.notAvailable("NVML library not found (" + String.join("; ", failures) + ")");
    }

    /** JNA's message spans lines (what it tried and why each failed); keep the first reason, on one line. */
    private static String oneLine(String message) {
        if (message == null) {
            return "not found";
        }
        String[] lines = message.strip().split("\\s*\\R\\s*");
        String joined = lines.length > 1 ? lines[0] + " " + lines[1] : lines[0];
        return joined.length() > 200 ? joined.substring(0, 200) + "..." : joined;
    }

    /** Loads on first touch of {@link #system()}, never at class initialisation of callers. */
    private static final class Holder {
        static final Availability SYSTEM = load(DEFAULT_NAMES);
    }
}
