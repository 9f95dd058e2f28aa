package dev.gpuqueue.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NumbersTest {
    private static final String ALLOWED = "a whole number between 1 and 100";

    @Test
    void wholeNumbersComeInAnySpelling() {
        assertThat(Numbers.whole("n", 7, 1, 100, ALLOWED)).isEqualTo(7);
        assertThat(Numbers.whole("n", new BigDecimal("7.000"), 1, 100, ALLOWED)).isEqualTo(7);
        assertThat(Numbers.whole("n", new BigDecimal("7E+1"), 1, 100, ALLOWED)).isEqualTo(70);
        assertThat(Numbers.whole("n", " 12 ", 1, 100, ALLOWED)).isEqualTo(12);
    }

    @Test
    void valuesBeyondTheRangeAreRefusedQuotingThemWhateverTheirSize() {
        assertThatThrownBy(() -> Numbers.whole("n", new BigInteger("18446744073709551619"), 1, 100, ALLOWED))
                .isInstanceOf(LimitOutOfRangeException.class)
                .hasMessage("n must be a whole number between 1 and 100 (got 18446744073709551619)");
        assertThatThrownBy(() -> Numbers.whole("n", "-18446744073709551616", 1, 100, ALLOWED))
                .hasMessageEndingWith("(got -18446744073709551616)");
        assertThatThrownBy(() -> Numbers.whole("n", new BigDecimal("7.5"), 1, 100, ALLOWED))
                .isInstanceOf(ValidationException.class).hasMessageEndingWith("(got 7.5)");
        assertThatThrownBy(() -> Numbers.whole("n", "seven", 1, 100, ALLOWED)).hasMessageEndingWith("(got \"seven\")");
    }

    @Test
    void aHugeExponentIsRefusedAtOnceNeverExpanded() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThatThrownBy(() -> Numbers.whole("n", new BigDecimal("1e99999999"), 1, 100, ALLOWED))
                    .isInstanceOf(LimitOutOfRangeException.class).hasMessageEndingWith("(got 1E+99999999)");
            assertThatThrownBy(() -> Numbers.whole("n", "1e99999999", 1, 100, ALLOWED))
                    .hasMessageEndingWith("(got 1e99999999)");
            assertThatThrownBy(() -> Numbers.whole("n", new BigDecimal("1e-99999999"), 0, 100, ALLOWED))
                    .isInstanceOf(ValidationException.class);
        });
    }
}
