package dev.gpuqueue.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.error.SubscriptionLaggedException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Numbers;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.Subscription;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/events}: the queue's events as Server-Sent Events ({@code id:} the event id,
 * {@code event:} its type, {@code data:} the event as JSON). {@code Last-Event-ID} or {@code ?after=}
 * resumes from the stored history, then the stream goes on live ({@code ?after=now}: live events
 * only); {@code ?job_id=} keeps one job's events. Who may see what is the core's rule (others' jobs' events only for leads and admins). A
 * comment every {@code heartbeat} keeps proxies from closing a quiet stream, and a {@code changed}
 * comment tells a caller that events it may not see happened (no content: its views may refresh); a client too slow to
 * keep up gets a final {@code lagged} event (with the id to resume after) and is disconnected.
 * Credentials and parameters are checked before the stream starts, so a refusal is an ordinary JSON
 * error; a request that does not accept {@code text/event-stream} is a 406 saying so. Each stream is served by its own thread; at most {@link #MAX_STREAMS} at once (503 beyond).
 * Thread-safe.
 */
final class EventsHandler implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(EventsHandler.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    static final int MAX_STREAMS = 200;

    private final QueueService service;
    private final CallerResolver callers;
    private final ObjectMapper mapper;
    private final Duration heartbeat;
    private final Semaphore streams = new Semaphore(MAX_STREAMS);
    private final Set<SseClient> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService pumps = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "gpuqueue-sse");
        thread.setDaemon(true);
        return thread;
    });

    EventsHandler(QueueService service, CallerResolver callers, ObjectMapper mapper, Duration heartbeat) {
        this.service = service;
        this.callers = callers;
        this.mapper = mapper;
        this.heartbeat = heartbeat;
    }

    @Override
    public void handle(Context ctx) throws Exception {
        Caller caller = callers.resolve(ctx);
        long newest = service.lastEventId();
        long after = "now".equals(ctx.queryParam("after")) && ctx.header("Last-Event-ID") == null ? newest : after(ctx);
        if (after > newest) {
            throw new ValidationException("there is no event " + after + " (the newest is " + newest + "): resume after"
                    + " an id this server sent; a page kept open across a new database should reload");
        }
        String job = ctx.queryParam("job_id");
        JobId jobId = job == null || job.isBlank() ? null : JobId.of(job);
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new HttpResponseException(HttpStatus.NOT_ACCEPTABLE.getCode(), "this is a Server-Sent Events stream:"
                    + " send 'Accept: text/event-stream' (browsers' EventSource does; with curl add -N -H 'Accept:"
                    + " text/event-stream')");
        }
        if (!streams.tryAcquire()) {
            throw new StoreUnavailableException(MAX_STREAMS + " event streams are open; try again later", null);
        }
        Subscription subscription;
        try {
            subscription = service.subscribe(caller, after, jobId);
        } catch (RuntimeException e) {
            streams.release();
            throw e;
        }
        try {
            new SseHandler(0, client -> {
                client.keepAlive();
                open.add(client);
                client.onClose(subscription::close);
                pumps.execute(() -> pump(client, subscription));
            }).handle(ctx);
        } catch (RuntimeException e) {
            subscription.close();
            streams.release();
            throw e;
        }
    }

    /** The event id to resume after: {@code Last-Event-ID}, else {@code ?after=}, else 0 (the whole history). */
    private static long after(Context ctx) {
        String header = ctx.header("Last-Event-ID");
        String query = ctx.queryParam("after");
        String raw = header != null && !header.isBlank() ? header : query;
        if (raw == null || raw.isBlank()) {
            return 0;
        }
        String name = header != null && !header.isBlank() ? "Last-Event-ID" : "after";
        return Numbers.whole(name, raw.strip(), 0, Long.MAX_VALUE, "an event id (a whole number >= 0)");
    }

    /** Sends the subscription's events until the client goes or lags. */
    private void pump(SseClient client, Subscription subscription) {
        try {
            while (!client.terminated()) {
                long before = subscription.position();
                List<QueueEvent> events = subscription.next(heartbeat);
                if (events.isEmpty()) {
                    // Events the caller may not see passed: say only that something changed (a panel refreshes).
                    client.sendComment(subscription.position() > before ? "changed" : "heartbeat");
                }
                for (QueueEvent event : events) {
                    client.sendEvent(event.type().wireName(), json(Dtos.EventDto.of(event)), String.valueOf(event.id()));
                }
            }
        } catch (SubscriptionLaggedException e) {
            LOG.info("Event stream of {} lagged; closing it: {}", client.ctx().ip(), e.getMessage());
            client.sendEvent("lagged", json(Map.of("last_event_id", e.lastDeliveredId(), "detail", e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UncheckedIOException | IllegalStateException gone) {
            LOG.debug("Event stream of {} ended: {}", client.ctx().ip(), gone.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("Event stream of {} failed: {}", client.ctx().ip(), e.toString());
        } finally {
            subscription.close();
            client.close();
            open.remove(client);
            streams.release();
        }
    }

    /** Ends every open stream (the server is stopping): each pump sends nothing more and ends. */
    void closeAll() {
        for (SseClient client : open) {
            client.close();
        }
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new ValidationException("cannot write an event as JSON: " + e.getOriginalMessage());
        }
    }
}
