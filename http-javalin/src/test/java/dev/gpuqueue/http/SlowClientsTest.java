package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Clients that trickle their request bodies cannot stall the API, and abandoned uploads log one line each. */
class SlowClientsTest extends ApiTestBase {
    private static final int SLOW_CLIENTS = 300;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<Socket> sockets = new ArrayList<>();
    private Level rootLevel;

    @BeforeEach
    void captureLogs() {
        rootLevel = root.getLevel();
        root.setLevel(Level.INFO);
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void releaseLogs() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        root.detachAppender(logged);
        root.setLevel(rootLevel);
    }

    @Test
    void healthAnswersWithinASecondWhileThreeHundredClientsTrickleTheirBodies() throws Exception {
        String head = "POST /api/queue/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000\r\n\r\n{";
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            Socket socket = new Socket("127.0.0.1", app.port());
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            sockets.add(socket);
        }
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        trickle.scheduleAtFixedRate(() -> sockets.forEach(SlowClientsTest::sendOneByte), 0, 1, TimeUnit.SECONDS);
        try {
            long slowest = 0;
            long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < until) {
                long start = System.nanoTime();
                Answer health = get("/api/health");
                long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
                assertThat(health.status()).isEqualTo(200);
                slowest = Math.max(slowest, millis);
                Thread.sleep(100);
            }
            assertThat(slowest).as("slowest health answer in ms").isLessThan(1000);
            Answer submit = post("/api/queue/submit", "{\"config_name\": \"train\"}");
            assertThat(submit.status()).as("a normal client still gets in: " + submit.body()).isIn(200, 503);
        } finally {
            trickle.shutdownNow();
        }

        for (Socket socket : sockets) {
            socket.close();
        }
        Await.until("the abandoned uploads to be let go", Duration.ofSeconds(30),
                () -> notReceived() >= BodyReads.MAX_PER_CREDENTIAL);
        Await.until("a normal client to get in", Duration.ofSeconds(30),
                () -> post("/api/queue/submit", "{\"config_name\": \"train\"}").status() == 200);
        List<ILoggingEvent> events;
        synchronized (logged) {
            events = List.copyOf(logged.list);
        }
        assertThat(events).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
        assertThat(events).allMatch(e -> e.getThrowableProxy() == null, "no stack traces");
        assertThat(notReceived()).as("one line per abandoned upload").isLessThanOrEqualTo(SLOW_CLIENTS);
    }

    private long notReceived() {
        synchronized (logged) { // AppenderBase.doAppend holds this lock while it adds
            return logged.list.stream().filter(e -> e.getFormattedMessage().contains("not received")).count();
        }
    }

    private static void sendOneByte(Socket socket) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(' ');
            out.flush();
        } catch (IOException closedByServer) {
            // refused (503) or timed out: the server let go of it
        }
    }
}
