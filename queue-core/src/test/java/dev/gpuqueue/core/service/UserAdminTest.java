package dev.gpuqueue.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import org.junit.jupiter.api.Test;

class UserAdminTest {
    private final UserAdmin admin = new UserAdmin(new InMemoryUserDirectory());

    @Test
    void aCreatedUsersTokenAuthenticatesAsThatUserAndEndsSingleUserMode() {
        assertThat(admin.singleUserMode()).isTrue();

        UserAdmin.CreatedUser alice = admin.create(Caller.LOCAL_ADMIN, "alice", Level.RESEARCHER, "alpha");

        assertThat(admin.singleUserMode()).isFalse();
        Caller caller = admin.authenticate(alice.token()).orElseThrow();
        assertThat(caller.userId()).isEqualTo(alice.user().id());
        assertThat(caller.level()).isEqualTo(Level.RESEARCHER);
        assertThat(caller.teamId()).isEqualTo("alpha");
        assertThat(alice.toString()).doesNotContain(alice.token());
        assertThat(admin.authenticate("gq_wrong")).isEmpty();
        assertThat(admin.authenticate(null)).isEmpty();
    }

    @Test
    void rotationAndRemovalStopTheOldTokenAtOnce() {
        UserAdmin.CreatedUser bob = admin.create(Caller.LOCAL_ADMIN, "bob", Level.LEAD, null);

        String fresh = admin.rotate(Caller.LOCAL_ADMIN, bob.user().id());
        assertThat(admin.authenticate(bob.token())).isEmpty();
        assertThat(admin.authenticate(fresh)).isPresent();

        admin.remove(Caller.LOCAL_ADMIN, bob.user().id());
        assertThat(admin.authenticate(fresh)).isEmpty();
        assertThatThrownBy(() -> admin.remove(Caller.LOCAL_ADMIN, bob.user().id())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void onlyAdminsManageUsers() {
        Caller lead = admin.create(Caller.LOCAL_ADMIN, "lena", Level.LEAD, null).user().asCaller();

        assertThatThrownBy(() -> admin.create(lead, "x", Level.ADMIN, null)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> admin.list(lead)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> admin.rotate(lead, 1)).isInstanceOf(PermissionDeniedException.class);
        assertThat(admin.list(Caller.LOCAL_ADMIN)).hasSize(1);
    }
}
