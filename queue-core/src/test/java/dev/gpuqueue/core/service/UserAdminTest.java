package dev.gpuqueue.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConfirmationRequiredException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.testing.MutableClock;
import dev.gpuqueue.core.testing.TestJobs;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UserAdminTest {
    private final InMemoryJobStore events = new InMemoryJobStore();
    private final UserAdmin admin = new UserAdmin(new InMemoryUserDirectory(), events, MutableClock.at(TestJobs.T0));

    @Test
    void everyUserChangeIsAnEventNamingTheUserAndWhoMadeIt() {
        UserAdmin.CreatedUser ada = admin.create(Caller.LOCAL_ADMIN, "ada", Level.ADMIN, null);
        UserAdmin.CreatedUser bob = admin.create(ada.user().asCaller(), "bob", Level.RESEARCHER, "alpha");
        admin.rotate(ada.user().asCaller(), bob.user().id());
        admin.remove(ada.user().asCaller(), bob.user().id(), false);

        List<QueueEvent> changes = events.read(r -> r.eventsAfter(0, 100));
        assertThat(changes).extracting(QueueEvent::type).containsOnly(QueueEvent.Type.USER_CHANGED);
        assertThat(changes).extracting(QueueEvent::userId)
                .containsExactly(ada.user().id(), bob.user().id(), bob.user().id(), bob.user().id());
        assertThat(changes).extracting(QueueEvent::actor).containsExactly("local", "ada", "ada", "ada");
        assertThat(changes).extracting(QueueEvent::detail)
                .containsExactly("added ada (admin)", "added bob (researcher, team alpha)", "new token", "removed bob");
        assertThat(changes).extracting(QueueEvent::id).isSorted().doesNotHaveDuplicates();
    }

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

        admin.remove(Caller.LOCAL_ADMIN, bob.user().id(), true);
        assertThat(admin.authenticate(fresh)).isEmpty();
        assertThatThrownBy(() -> admin.remove(Caller.LOCAL_ADMIN, bob.user().id(), true))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void onlyAdminsManageUsers() {
        Caller lead = admin.create(Caller.LOCAL_ADMIN, "lena", Level.LEAD, null).user().asCaller();

        assertThatThrownBy(() -> admin.create(lead, "x", Level.ADMIN, null)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> admin.list(lead)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> admin.rotate(lead, 1)).isInstanceOf(PermissionDeniedException.class);
        assertThat(admin.list(Caller.LOCAL_ADMIN)).hasSize(1);
    }

    @Test
    void theLastAdminStaysWhileOtherUsersExist() {
        UserAdmin.CreatedUser ada = admin.create(Caller.LOCAL_ADMIN, "ada", Level.ADMIN, null);
        admin.create(Caller.LOCAL_ADMIN, "rob", Level.RESEARCHER, null);
        Caller adaCaller = ada.user().asCaller();

        assertThatThrownBy(() -> admin.remove(adaCaller, ada.user().id(), true))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("ada is the last admin and 1 other user(s) exist");
        assertThat(admin.list(adaCaller)).extracting(u -> u.name()).containsExactly("ada", "rob");

        UserAdmin.CreatedUser eve = admin.create(adaCaller, "eve", Level.ADMIN, null);
        admin.remove(adaCaller, ada.user().id(), false);
        assertThat(admin.list(eve.user().asCaller())).extracting(u -> u.name()).containsExactly("rob", "eve");
    }

    @Test
    void removingTheVeryLastUserNeedsConfirmationAndBringsBackSingleUserMode() {
        UserAdmin.CreatedUser ada = admin.create(Caller.LOCAL_ADMIN, "ada", Level.ADMIN, null);

        assertThatThrownBy(() -> admin.remove(ada.user().asCaller(), ada.user().id(), false))
                .isInstanceOf(ConfirmationRequiredException.class)
                .hasMessageContaining("ada is the last user");
        assertThat(admin.singleUserMode()).isFalse();
        assertThat(admin.authenticate(ada.token())).isPresent();

        admin.remove(ada.user().asCaller(), ada.user().id(), true);
        assertThat(admin.singleUserMode()).isTrue();
    }

    @Test
    void twoAdminsRemovingEachOtherAtOnceLeaveOneAdmin() throws Exception {
        for (int round = 0; round < 50; round++) {
            UserAdmin users = new UserAdmin(new InMemoryUserDirectory(), new InMemoryJobStore(), MutableClock.at(TestJobs.T0));
            UserAdmin.CreatedUser a = users.create(Caller.LOCAL_ADMIN, "a", Level.ADMIN, null);
            UserAdmin.CreatedUser b = users.create(Caller.LOCAL_ADMIN, "b", Level.ADMIN, null);
            users.create(Caller.LOCAL_ADMIN, "c", Level.VIEWER, null);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<?> first = pool.submit(() -> awaitThen(go, () -> users.remove(a.user().asCaller(), b.user().id(), false)));
            Future<?> second = pool.submit(() -> awaitThen(go, () -> users.remove(b.user().asCaller(), a.user().id(), false)));
            go.countDown();
            int refused = 0;
            for (Future<?> f : List.of(first, second)) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(ConflictException.class);
                    refused++;
                }
            }
            pool.shutdown();
            assertThat(refused).isEqualTo(1);
            assertThat(users.list(Caller.LOCAL_ADMIN)).filteredOn(u -> u.level() == Level.ADMIN).hasSize(1);
        }
    }

    private static void awaitThen(CountDownLatch go, Runnable action) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        action.run();
    }
}
