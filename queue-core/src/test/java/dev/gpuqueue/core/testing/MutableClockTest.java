package dev.gpuqueue.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MutableClockTest {
    @Test
    void aViewInAnotherZoneMovesWithTheClock() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-11-30T12:00:00Z"));
        Clock paris = clock.withZone(ZoneId.of("Europe/Paris"));

        clock.advance(Duration.ofMinutes(5));

        assertThat(paris.instant()).isEqualTo(Instant.parse("2026-11-30T12:05:00Z"));
        assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(paris.withZone(ZoneOffset.UTC)).isSameAs(clock);
        assertThat(clock.withZone(ZoneOffset.UTC)).isSameAs(clock);
    }
}
