package dev.gpuqueue.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.worker.WorkerAdmin;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.NetworkConnectionLimit;

/**
 * Builds the gpuqueue HTTP API as a Javalin app (not started): every route of the API from one
 * table, plus the routes other modules add (events, metrics, the panel) without editing it; one JSON
 * mapper, one error mapping, bodies up to 1 MiB. No static state; thread-safe once built.
 */
public final class HttpApi {
    /** The largest request body accepted; larger ones are answered 413. */
    public static final long MAX_BODY_BYTES = 1L << 20;
    /**
     * Open connections at most; at the limit no more are accepted and the open ones are dropped
     * after {@link #CROWDED_IDLE_TIMEOUT} without data, so clients that trickle their headers cannot
     * use up the server's file descriptors.
     */
    static final int MAX_CONNECTIONS = 1000;
    static final Duration CROWDED_IDLE_TIMEOUT = Duration.ofSeconds(1);

    private HttpApi() {}

    /** One route: method, path and handler. Immutable. */
    public record Route(HandlerType method, String path, Handler handler) {}

    /** Every route of the API, in documentation order. */
    public static List<Route> routes(ApiDependencies deps, ObjectMapper mapper) {
        Bodies bodies = new Bodies(mapper, new BodyReads());
        QueueHandlers queue = new QueueHandlers(deps, bodies);
        JobHandlers jobs = new JobHandlers(deps);
        SystemHandlers system = new SystemHandlers(deps);
        AdminHandlers admin = new AdminHandlers(deps, bodies);
        WorkerAdminHandlers workerAdmin = new WorkerAdminHandlers(new WorkerAdmin(deps.workers()), deps.callers(), bodies);
        WorkerHandlers workers = new WorkerHandlers(deps.workers(), bodies);
        return List.of(
                new Route(HandlerType.GET, "/api/queue", queue::list),
                new Route(HandlerType.GET, "/api/queue/stats", queue::stats),
                new Route(HandlerType.GET, "/api/queue/me", queue::me),
                new Route(HandlerType.GET, "/api/queue/position/{job_id}", queue::position),
                new Route(HandlerType.POST, "/api/queue/{job_id}/cancel", queue::cancel),
                new Route(HandlerType.POST, "/api/queue/{job_id}/approve", queue::approve),
                new Route(HandlerType.POST, "/api/queue/{job_id}/reject", queue::reject),
                new Route(HandlerType.POST, "/api/queue/{job_id}/priority", queue::priority),
                new Route(HandlerType.GET, "/api/queue/concurrency", queue::getConcurrency),
                new Route(HandlerType.POST, "/api/queue/concurrency", queue::setConcurrency),
                new Route(HandlerType.POST, "/api/queue/process", queue::process),
                new Route(HandlerType.POST, "/api/queue/cleanup", queue::cleanup),
                new Route(HandlerType.POST, "/api/queue/submit", queue::submit),
                new Route(HandlerType.POST, "/api/arrays/{array_id}/cancel", queue::cancelArray),
                new Route(HandlerType.GET, "/api/jobs", jobs::list),
                new Route(HandlerType.GET, "/api/jobs/{job_id}", jobs::get),
                new Route(HandlerType.POST, "/api/jobs/{job_id}/cancel", jobs::cancel),
                new Route(HandlerType.GET, "/api/jobs/{job_id}/logs", jobs::logs),
                new Route(HandlerType.GET, "/api/jobs/{job_id}/events", jobs::events),
                new Route(HandlerType.GET, "/api/events",
                        new EventsHandler(deps.service(), deps.callers(), mapper, EventsHandler.HEARTBEAT)),
                new Route(HandlerType.GET, "/api/system/status", system::status),
                new Route(HandlerType.GET, "/api/health", system::health),
                new Route(HandlerType.GET, "/api/admin/users", admin::list),
                new Route(HandlerType.POST, "/api/admin/users", admin::create),
                new Route(HandlerType.DELETE, "/api/admin/users/{user_id}", admin::remove),
                new Route(HandlerType.POST, "/api/admin/users/{user_id}/token", admin::rotate),
                new Route(HandlerType.GET, "/api/admin/workers", workerAdmin::list),
                new Route(HandlerType.POST, "/api/admin/workers", workerAdmin::create),
                new Route(HandlerType.GET, "/api/admin/workers/{worker_id}", workerAdmin::get),
                new Route(HandlerType.DELETE, "/api/admin/workers/{worker_id}", workerAdmin::remove),
                new Route(HandlerType.POST, "/api/admin/workers/{worker_id}/drain", workerAdmin::drain),
                new Route(HandlerType.POST, "/api/admin/workers/{worker_id}/undrain", workerAdmin::undrain),
                new Route(HandlerType.POST, "/api/admin/workers/{worker_id}/token", workerAdmin::rotate),
                new Route(HandlerType.POST, "/api/workers/register", workers::register),
                new Route(HandlerType.POST, "/api/workers/heartbeat", workers::heartbeat),
                new Route(HandlerType.POST, "/api/workers/poll", workers::poll),
                new Route(HandlerType.POST, "/api/workers/jobs/{job_id}/status", workers::status),
                new Route(HandlerType.POST, "/api/workers/jobs/{job_id}/log", workers::log));
    }

    /**
     * Starts {@code app} on {@code host:port}, refusing to listen beyond loopback while no user exists
     * (single-user mode would make everyone an admin).
     *
     * @throws ValidationException saying how to proceed
     */
    public static Javalin start(Javalin app, String host, int port, UserAdmin users) {
        if (!isLoopback(host) && users.singleUserMode()) {
            throw new ValidationException("refusing to listen on " + host + " without users: anyone could act as admin."
                    + " Add a user first ('gpuqueue users add NAME --level admin') or listen on 127.0.0.1");
        }
        return app.start(host, port);
    }

    /** Whether {@code host} names only loopback addresses. */
    public static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new ValidationException("cannot resolve the listen address '" + host + "'");
        }
    }

    /** The app with every route, answering to loopback names only; start it with {@link #start}. */
    public static Javalin create(ApiDependencies deps) {
        return create(deps, HttpOptions.loopback());
    }

    /**
     * The app with every route, the request guard of SPEC §14 (Host, Origin, JSON bodies, CORS only
     * for the allowed origins), bounded body reads, and JSON errors even for requests the web server
     * refuses itself; start it with {@link #start}.
     */
    public static Javalin create(ApiDependencies deps, HttpOptions options) {
        return create(deps, options, List.of());
    }

    /**
     * As {@link #create(ApiDependencies, HttpOptions)}, with {@code extraRoutes} from other modules
     * after the API's own; they pass the same guard and error mapping.
     */
    public static Javalin create(ApiDependencies deps, HttpOptions options, List<Route> extraRoutes) {
        ObjectMapper mapper = ApiJson.mapper();
        List<Route> routes = new ArrayList<>(routes(deps, mapper));
        routes.addAll(extraRoutes);
        RequestGuard guard = new RequestGuard(options);
        return Javalin.create(config -> {
            config.jsonMapper(new JavalinJackson(mapper, false));
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.http.prefer405over404 = true;
            config.jetty.modifyHttpConfiguration(http -> http.setIdleTimeout(BodyReads.IDLE_TIMEOUT.toMillis()));
            config.jetty.modifyServer(server -> {
                server.setErrorHandler(new JsonErrorHandler(mapper));
                NetworkConnectionLimit connections = new NetworkConnectionLimit(MAX_CONNECTIONS, server);
                connections.setEndPointIdleTimeout(CROWDED_IDLE_TIMEOUT.toMillis());
                server.addBean(connections);
            });
            ApiErrors.register(config);
            // Open event streams end before the server stops, instead of failing inside a stopped server.
            routes.stream().map(Route::handler).filter(EventsHandler.class::isInstance).map(EventsHandler.class::cast)
                    .forEach(events -> config.events.serverStopping(events::closeAll));
            config.routes.before(guard::check);
            for (Route route : routes) {
                config.routes.addHttpHandler(route.method(), route.path(), route.handler());
            }
        });
    }
}
