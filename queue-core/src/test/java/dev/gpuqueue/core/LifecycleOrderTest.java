package dev.gpuqueue.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parts start in order and stop in reverse, whatever fails on the way. */
class LifecycleOrderTest {
    private final List<String> log = new ArrayList<>();

    private void part(Lifecycle lifecycle, String name) {
        lifecycle.start(name, () -> log.add("start " + name), () -> log.add("stop " + name));
    }

    @Test
    void partsStopInReverseOrderOfStartAndOnlyOnce() {
        Lifecycle lifecycle = new Lifecycle();
        part(lifecycle, "database");
        String http = lifecycle.start("http", () -> "listening", value -> log.add("stop http (" + value + ")"));
        part(lifecycle, "loop");

        lifecycle.close();
        lifecycle.close();

        assertThat(http).isEqualTo("listening");
        assertThat(log).containsExactly("start database", "start loop", "stop loop", "stop http (listening)",
                "stop database");
        assertThat(lifecycle.parts()).isEmpty();
    }

    @Test
    void aPartThatFailsToStartIsNotStoppedAndThoseBeforeItAre() {
        Lifecycle lifecycle = new Lifecycle();
        part(lifecycle, "database");
        assertThatThrownBy(() -> lifecycle.start("http", () -> {
            throw new IllegalStateException("port in use");
        }, () -> log.add("stop http"))).hasMessage("port in use");

        assertThat(lifecycle.parts()).containsExactly("database");
        lifecycle.close();
        assertThat(log).containsExactly("start database", "stop database");
    }

    @Test
    void aStopThatFailsDoesNotKeepTheOthersRunning() {
        Lifecycle lifecycle = new Lifecycle();
        part(lifecycle, "database");
        lifecycle.start("stuck", () -> {}, () -> {
            throw new IllegalStateException("cannot stop");
        });
        part(lifecycle, "loop");

        lifecycle.close();

        assertThat(log).containsExactly("start database", "start loop", "stop loop", "stop database");
        assertThatThrownBy(() -> part(lifecycle, "late")).as("nothing starts after the stop")
                .isInstanceOf(IllegalStateException.class);
    }
}
