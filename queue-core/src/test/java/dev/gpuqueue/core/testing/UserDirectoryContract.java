package dev.gpuqueue.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.User;
import dev.gpuqueue.core.port.UserDirectory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link UserDirectory} must do. An implementation's test extends this with a fresh, empty directory. */
public abstract class UserDirectoryContract {
    protected UserDirectory users;

    protected abstract UserDirectory newDirectory() throws Exception;

    @BeforeEach
    void createDirectory() throws Exception {
        users = newDirectory();
    }

    @Test
    void startsEmptyAndNumbersUsersFromOne() {
        assertThat(users.count()).isZero();

        User alice = users.add("alice", Level.RESEARCHER, "alpha", "hash-a");
        User bob = users.add("bob", Level.ADMIN, null, "hash-b");

        assertThat(alice.id()).isEqualTo(1);
        assertThat(bob.id()).isEqualTo(2);
        assertThat(users.count()).isEqualTo(2);
        assertThat(users.list()).extracting(User::name).containsExactly("alice", "bob");
    }

    @Test
    void findsByIdNameAndTokenHash() {
        User alice = users.add("alice", Level.LEAD, "alpha", "hash-a");

        assertThat(users.find(alice.id())).contains(alice);
        assertThat(users.findByName("alice")).contains(alice);
        assertThat(users.findByTokenHash("hash-a")).contains(alice);
        assertThat(users.findByTokenHash("hash-x")).isEmpty();
        assertThat(users.findByName("Alice")).isEmpty();
        assertThat(alice.level()).isEqualTo(Level.LEAD);
        assertThat(alice.teamId()).isEqualTo("alpha");
    }

    @Test
    void namesAreUniqueAndValidated() {
        users.add("alice", Level.VIEWER, null, "h1");

        assertThatThrownBy(() -> users.add("alice", Level.ADMIN, null, "h2")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("alice");
        assertThatThrownBy(() -> users.add("bad name", Level.ADMIN, null, "h3")).isInstanceOf(ValidationException.class);
        assertThat(users.count()).isEqualTo(1);
    }

    @Test
    void aReplacedTokenHashStopsTheOldOneAtOnce() {
        User alice = users.add("alice", Level.RESEARCHER, null, "old");

        users.replaceTokenHash(alice.id(), "new");

        assertThat(users.findByTokenHash("old")).isEmpty();
        assertThat(users.findByTokenHash("new")).contains(alice);
        assertThatThrownBy(() -> users.replaceTokenHash(99, "x")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aRemovedUserIsGoneWithTheirToken() {
        User alice = users.add("alice", Level.RESEARCHER, null, "hash-a");

        assertThat(users.remove(alice.id(), (user, remaining) -> {})).isTrue();
        assertThat(users.remove(alice.id(), (user, remaining) -> {})).isFalse();
        assertThat(users.find(alice.id())).isEmpty();
        assertThat(users.findByTokenHash("hash-a")).isEmpty();
        assertThat(users.count()).isZero();
        assertThat(users.add("carol", Level.VIEWER, null, "h").id()).isGreaterThan(alice.id());
    }

    @Test
    void aRemovalCheckSeesTheUserAndWhoRemainsAndItsRefusalRemovesNothing() {
        User alice = users.add("alice", Level.ADMIN, null, "hash-a");
        User bob = users.add("bob", Level.VIEWER, null, "hash-b");
        List<String> seen = new ArrayList<>();

        assertThatThrownBy(() -> users.remove(alice.id(), (user, remaining) -> {
            seen.add(user.name() + " leaving " + remaining.stream().map(User::name).toList());
            throw new ConflictException("refused");
        })).isInstanceOf(ConflictException.class);

        assertThat(seen).containsExactly("alice leaving [bob]");
        assertThat(users.list()).containsExactly(alice, bob);
        assertThat(users.findByTokenHash("hash-a")).contains(alice);
    }
}
