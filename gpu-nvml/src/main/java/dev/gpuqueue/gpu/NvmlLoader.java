package dev.gpuqueue.gpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Loads {@code libnvidia-ml} through JNA on first use. A missing library (no driver, a CPU-only
 * machine, CI) is a value, {@link Availability#notAvailable}, never an exception. Thread-safe.
 */
final class NvmlLoader {
    /**
     * The driver's soname first, as NVIDIA's own bindings do: the plain {@code libnvidia-ml.so} may
     * be the CUDA toolkit's stub or a development symlink on {@code LD_LIBRARY_PATH}. Then JNA's name.
     */
    static final List<String> DEFAULT_NAMES = List.of("libnvidia-ml.so.1", "nvidia-ml");

    private static final Path PROC_SELF_MAPS = Path.of("/proc/self/maps");

    private NvmlLoader() {}

    /** Whether NVML loaded, from which file, and why not. Immutable. */
    record Availability(NvmlLibrary library, String path, String reason) {
        static Availability loaded(NvmlLibrary library, String path) {
            return new Availability(library, path, null);
        }

        static Availability notAvailable(String reason) {
            return new Availability(null, null, reason);
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
                NvmlLibrary library = Native.load(name, NvmlLibrary.class);
                return Availability.loaded(library, loadedFrom(library, name));
            } catch (LinkageError e) {
                failures.add(name + ": " + oneLine(e.getMessage()));
            }
        }
        return Availability.notAvailable("NVML library not found (" + String.join("; ", failures) + ")");
    }

    /**
     * The file behind a loaded library: JNA knows it when it found the file itself; when the dynamic
     * loader resolved a bare name, the process's memory map says which file it mapped.
     */
    private static String loadedFrom(NvmlLibrary library, String name) {
        NativeLibrary nativeLibrary = ((Library.Handler) Proxy.getInvocationHandler(library)).getNativeLibrary();
        File file = nativeLibrary.getFile();
        if (file != null && file.isAbsolute()) {
            try {
                return file.toPath().toRealPath().toString();
            } catch (IOException e) {
                return file.getPath();
            }
        }
        return mappedFile(PROC_SELF_MAPS, "lib" + nativeLibrary.getName() + ".so").orElse(name);
    }

    /** The first file in a {@code /proc/<pid>/maps} listing whose name starts with {@code prefix}. */
    static Optional<String> mappedFile(Path maps, String prefix) {
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.map(line -> line.indexOf('/') < 0 ? "" : line.substring(line.indexOf('/')))
                    .filter(path -> path.substring(path.lastIndexOf('/') + 1).startsWith(prefix))
                    .findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** JNA's message spans lines (what it tried and why each failed); keep the first reason, on one line. */
    static String oneLine(String message) {
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
