package dev.gpuqueue.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ValidationException;
import org.junit.jupiter.api.Test;

class LevelAndTargetTest {

    @Test
    void levelsGiveTheSeedsBasePriorities() {
        assertThat(Level.ADMIN.basePriority()).isEqualTo(30);
        assertThat(Level.LEAD.basePriority()).isEqualTo(20);
        assertThat(Level.RESEARCHER.basePriority()).isEqualTo(10);
        assertThat(Level.VIEWER.basePriority()).isEqualTo(0);
    }

    @Test
    void levelsAreOrdered() {
        assertThat(Level.ADMIN.atLeast(Level.LEAD)).isTrue();
        assertThat(Level.LEAD.atLeast(Level.LEAD)).isTrue();
        assertThat(Level.RESEARCHER.atLeast(Level.LEAD)).isFalse();
        assertThat(Level.VIEWER.atLeast(Level.RESEARCHER)).isFalse();
    }

    @Test
    void wireNamesParseBackAndUnknownOnesListTheAllowed() {
        assertThat(Level.parse("Lead")).isEqualTo(Level.LEAD);
        assertThat(Target.parse("worker")).isEqualTo(Target.WORKER);
        assertThat(JobType.parse("cloud")).isEqualTo(JobType.CLOUD);
        assertThatThrownBy(() -> Target.parse("gpu"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("unknown target 'gpu'; allowed: auto, worker, local");
        assertThatThrownBy(() -> Level.parse(null))
                .hasMessage("unknown level 'null'; allowed: admin, lead, researcher, viewer");
    }
}
