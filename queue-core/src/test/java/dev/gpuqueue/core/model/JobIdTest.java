package dev.gpuqueue.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ValidationException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobIdTest {

    @Test
    void generatedIdsAreUrlSafeAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = JobId.generate().value();
            assertThat(id).matches("[0-9a-z]{16}");
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "../etc", "has space", "ünïcode"})
    void malformedIdsAreRejectedWithAHint(String bad) {
        assertThatThrownBy(() -> JobId.of(bad))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("letters, digits, '-' or '_'");
    }

    @Test
    void tooLongIdsAreRejected() {
        assertThatThrownBy(() -> JobId.of("x".repeat(65))).isInstanceOf(ValidationException.class);
        assertThat(JobId.of("x".repeat(64)).value()).hasSize(64);
    }
}
