package dev.gpuqueue.core.model;

import static dev.gpuqueue.core.model.JobStatus.BLOCKED;
import static dev.gpuqueue.core.model.JobStatus.CANCELLED;
import static dev.gpuqueue.core.model.JobStatus.COMPLETED;
import static dev.gpuqueue.core.model.JobStatus.FAILED;
import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.ValidationException;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JobStatusTest {

    /** SPEC §1's table, written out independently of the implementation. */
    private static final Set<String> LEGAL = Set.of(
            "BLOCKED->PENDING", "BLOCKED->FAILED", "BLOCKED->CANCELLED",
            "PENDING->RUNNING", "PENDING->CANCELLED",
            "RUNNING->COMPLETED", "RUNNING->FAILED", "RUNNING->PENDING", "RUNNING->CANCELLED");

    static Stream<Arguments> everyPair() {
        return Stream.of(JobStatus.values())
                .flatMap(from -> Stream.of(JobStatus.values()).map(to -> Arguments.of(from, to)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("everyPair")
    void everyPairIsLegalExactlyWhenTheSpecTableSaysSo(JobStatus from, JobStatus to) {
        boolean legal = LEGAL.contains(from + "->" + to);

        assertThat(from.canMoveTo(to)).isEqualTo(legal);
        if (legal) {
            assertThatCode(() -> from.checkMoveTo(to)).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> from.checkMoveTo(to))
                    .isInstanceOfSatisfying(IllegalTransitionException.class, e -> {
                        assertThat(e.from()).isEqualTo(from);
                        assertThat(e.to()).isEqualTo(to);
                    })
                    .hasMessageContaining(from.wireName())
                    .hasMessageContaining(to.wireName());
        }
    }

    @Test
    void terminalStatesNeverChangeAndSayWhy() {
        for (JobStatus terminal : Set.of(COMPLETED, FAILED, CANCELLED)) {
            assertThat(terminal.isTerminal()).isTrue();
            for (JobStatus to : JobStatus.values()) {
                assertThat(terminal.canMoveTo(to)).isFalse();
            }
        }
        assertThatThrownBy(() -> COMPLETED.checkMoveTo(CANCELLED))
                .hasMessage("cannot move a completed job to cancelled (terminal states never change)");
    }

    @Test
    void newJobsStartPendingBlockedOrRunningOnly() {
        assertThat(Stream.of(JobStatus.values()).filter(JobStatus::isInitial))
                .containsExactlyInAnyOrder(PENDING, BLOCKED, RUNNING);
        assertThatThrownBy(() -> JobStatus.checkInitial(COMPLETED))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessage("cannot move a new job to completed");
    }

    @Test
    void activeMeansPendingBlockedOrRunning() {
        assertThat(Stream.of(JobStatus.values()).filter(JobStatus::isActive))
                .containsExactlyInAnyOrder(PENDING, BLOCKED, RUNNING);
    }

    @Test
    void parseAcceptsQueuedAsAliasOfPendingAndIgnoresCase() {
        assertThat(JobStatus.parse("queued")).isEqualTo(PENDING);
        assertThat(JobStatus.parse("Pending")).isEqualTo(PENDING);
        assertThat(JobStatus.parse(" RUNNING ")).isEqualTo(RUNNING);
        assertThat(PENDING.wireName()).isEqualTo("pending");
    }

    @Test
    void parseRejectsUnknownValuesListingTheAllowedOnes() {
        assertThatThrownBy(() -> JobStatus.parse("done"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("unknown status 'done'; allowed: pending (or queued), blocked, running, completed, failed, cancelled");
    }
}
