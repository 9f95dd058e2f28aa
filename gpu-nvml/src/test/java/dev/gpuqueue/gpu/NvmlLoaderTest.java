package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmlLoaderTest {
    @TempDir
    Path dir;

    @Test
    void aLibraryFoundByTheDynamicLoaderIsNamedByTheFileItMapped() throws Exception {
        Path maps = Files.writeString(dir.resolve("maps"), """
                7f0000000000-7f0000001000 r--p 00000000 08:01 11 /usr/lib/x86_64-linux-gnu/libc.so.6
                7f0000002000-7f0000003000 rw-p 00000000 00:00 0
                7f0000004000-7f0000005000 r--p 00000000 08:01 12 /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15
                7f0000006000-7f0000007000 r-xp 00001000 08:01 12 /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15
                """);

        assertThat(NvmlLoader.mappedFile(maps, "libnvidia-ml.so")).contains("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15");
        assertThat(NvmlLoader.mappedFile(maps, "libcuda.so")).isEmpty();
        assertThat(NvmlLoader.mappedFile(dir.resolve("absent"), "libnvidia-ml.so")).isEmpty();
    }
}
