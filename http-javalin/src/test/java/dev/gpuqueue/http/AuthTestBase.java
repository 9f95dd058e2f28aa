package dev.gpuqueue.http;

import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.testing.QueueHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/** A server with real token authentication and five users: ada (admin), lena (lead), rita, rob, vic. */
abstract class AuthTestBase extends ApiTestBase {
    protected UserAdmin users;
    protected final Map<String, String> tokens = new HashMap<>();
    protected final Map<String, Long> ids = new HashMap<>();

    @Override
    @BeforeEach
    void startServer() {
        h = new QueueHarness(new InMemoryJobStore());
        users = new UserAdmin(new InMemoryUserDirectory(), h.store, h.clock);
        addUser("admin", "ada", Level.ADMIN, null);
        addUser("lead", "lena", Level.LEAD, "alpha");
        addUser("owner", "rita", Level.RESEARCHER, "alpha");
        addUser("other", "rob", Level.RESEARCHER, "beta");
        addUser("viewer", "vic", Level.VIEWER, null);
        app = HttpApi.create(new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus, HostStatus.unknown(), JobLogs.none(),
                users, new TokenAuth(users, true), h.clock));
        app.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + app.port();
    }

    private void addUser(String role, String name, Level level, String team) {
        UserAdmin.CreatedUser created = users.create(Caller.LOCAL_ADMIN, name, level, team);
        tokens.put(role, created.token());
        ids.put(role, created.user().id());
    }

    /** A request as {@code role}: one of the users, {@code none} (no credentials) or {@code bad} (unknown token). */
    protected Answer as(String role, String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (role.equals("bad")) {
            request.header("Authorization", "Bearer gq_not-a-real-token");
        } else if (!role.equals("none")) {
            request.header("Authorization", "Bearer " + tokens.get(role));
        }
        return send(request);
    }
}
