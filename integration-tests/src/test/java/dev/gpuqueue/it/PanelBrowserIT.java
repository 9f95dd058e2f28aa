package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The queue panel (SPEC §13) in a real browser, Debian's headless chromium through the system
 * chromedriver, against the real server: it loads from the server alone, shows what the API says,
 * follows changes live (no reload), and acts through the API: cancel, approve, reject, priority,
 * settings; a researcher's token shows only their jobs. Leaves a screenshot in
 * {@code target/panel.png}. Every wait is bounded. Skipped only where chromium or chromedriver is
 * missing.
 */
class PanelBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SCREENSHOT = Path.of("target/panel.png");

    @TempDir
    Path temp;

    private ServerProcess server;
    private ChromeDriver browser;
    private String adminToken;

    @BeforeEach
    void needsChromium() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "no " + CHROMIUM + " or "
                + CHROMEDRIVER + " on this machine (apt-get install chromium chromium-driver): the panel is not tested"
                + " in a browser here");
    }

    @AfterEach
    void stopBrowserAndServer() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.useToken(adminToken);
            server.stopLeavingNoJobBehind();
        }
    }

    @Test
    void inSingleUserModeThePanelFollowsTheQueueLiveAndActsThroughTheApi() throws InterruptedException {
        startServer();
        openPanel(true);
        script("window.stillTheSamePage = true;");

        String running = server.submit("long").get("job_id").asText();
        String waiting = server.submit("long").get("job_id").asText();
        await("the job submitted through the API, in the queue", visible(row("queue", waiting)));
        await("it waits", ExpectedConditions.attributeToBe(row("queue", waiting), "data-status", "pending"));
        await("first in line", ExpectedConditions.textToBe(inRow("queue", waiting, "[data-testid='position']"), "1"));
        await("and why", ExpectedConditions.textToBePresentInElementLocated(inRow("queue", waiting, "[data-testid='reason']"),
                "local"));
        await("the running job with its GPU", ExpectedConditions.textToBePresentInElementLocated(
                inRow("running", running, "[data-testid='placement']"), "GPU 0"));
        await("GPU 0 held by the running job in the GPU map",
                visible(By.cssSelector("#gpu-map [data-gpu-index='0'][data-job-id='" + running + "']")));
        await("the stats", ExpectedConditions.textToBe(By.cssSelector("[data-testid='stat-queue-depth']"), "1"));

        type(inRow("queue", waiting, "input[data-field='priority']"), "40");
        click(inRow("queue", waiting, "[data-action='priority']"));
        Await.until("the override set from the page", WAIT,
                () -> server.job(waiting).get("priority_override").asInt(-1) == 40);
        await("the new effective priority shown", ExpectedConditions.textToBePresentInElementLocated(
                inRow("queue", waiting, "td:nth-child(6)"), "40"));

        click(inRow("queue", waiting, "[data-action='cancel']"));
        server.awaitStatus(waiting, "cancelled", WAIT);
        await("the cancelled job leaves the queue", ExpectedConditions.numberOfElementsToBe(row("queue", waiting), 0));
        click(inRow("running", running, "[data-action='cancel']"));
        server.awaitStatus(running, "cancelled", WAIT);
        await("the stopped job leaves the running jobs", ExpectedConditions.numberOfElementsToBe(row("running", running), 0));

        JsonNode sweep = server.post("/api/queue/submit", "{\"config_name\": \"long\", \"array\": {\"count\": 2}}")
                .get("array");
        String second = sweep.get("job_ids").get(1).asText();
        await("an array's waiting job shows its index", ExpectedConditions.textToBePresentInElementLocated(
                inRow("queue", second, "[data-testid='array']"), "array #1"));
        await("and its running one", ExpectedConditions.textToBePresentInElementLocated(
                inRow("running", sweep.get("job_ids").get(0).asText(), "[data-testid='array']"), "array #0"));
        server.post("/api/arrays/" + sweep.get("array_id").asText() + "/cancel", null);
        await("the cancelled array leaves the queue", ExpectedConditions.numberOfElementsToBe(row("queue", second), 0));

        String approveMe = submitForApproval();
        String rejectMe = submitForApproval();
        await("both jobs awaiting approval", ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("#approvals-body tr[data-job-id]"), 2));
        click(inRow("approvals", rejectMe, "[data-action='reject']"));
        await("the API's refusal of a reject without a reason, in words", ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#messages [data-kind='error']"), "reason is required to reject a job (HTTP 400)"));
        assertThat(server.status(rejectMe)).isEqualTo("blocked");

        click(inRow("approvals", approveMe, "[data-action='approve']"));
        Await.until("the approved job to leave blocked", WAIT, () -> !server.status(approveMe).equals("blocked"));
        assertThat(server.status(approveMe)).isIn("pending", "running");
        await("the approval confirmed on the page", ExpectedConditions.textToBePresentInElementLocated(
                By.id("messages"), "Approved " + approveMe));
        type(inRow("approvals", rejectMe, "input[data-field='reason']"), "too big for this week");
        click(inRow("approvals", rejectMe, "[data-action='reject']"));
        server.awaitStatus(rejectMe, "failed", WAIT);
        assertThat(server.job(rejectMe).get("error_message").asText()).isEqualTo("Rejected: too big for this week");
        await("nothing left to approve", ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("#approvals-body tr[data-job-id]"), 0));

        assertThat(server.get("/api/queue/concurrency").get("enable_fair_share").asBoolean()).isFalse();
        await("the settings form, fair share off", ExpectedConditions.elementSelectionStateToBe(
                By.id("setting-enable_fair_share"), false));
        click(By.id("setting-enable_fair_share"));
        type(By.id("setting-max_concurrent"), "7");
        click(By.id("settings-save"));
        Await.until("fair share on, as the page set it", WAIT,
                () -> server.get("/api/queue/concurrency").get("enable_fair_share").asBoolean());
        JsonNode settings = server.get("/api/queue/concurrency");
        assertThat(settings.get("max_concurrent").asInt()).isEqualTo(7);
        assertThat(settings.get("user_max_concurrent").asInt()).as("fields left alone stay").isEqualTo(2);
        await("the stats follow the settings", ExpectedConditions.textToBe(By.cssSelector("[data-testid='stat-fair-share']"), "on"));

        server.post("/api/queue/concurrency", "{\"enable_fair_share\": false}");
        await("a change made elsewhere reaches the form, live", ExpectedConditions.elementSelectionStateToBe(
                By.id("setting-enable_fair_share"), false));

        String settingsEvent = "#events li[data-type='settings_changed']";
        await("events listed as they arrive", ExpectedConditions.presenceOfElementLocated(By.cssSelector(settingsEvent)));
        assertThat(server.sigterm()).isIn(0, 143);
        server.start();
        String afterRestart = server.submit("long").get("job_id").asText();
        await("the stream back after the server's restart, resumed after the last event seen", visible(
                By.cssSelector("#events li[data-type='submitted'][data-job-id='" + afterRestart + "']")));
        await("the views caught up", ExpectedConditions.presenceOfElementLocated(row("queue", afterRestart)));
        await("live again", ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "live"));
        assertThat(browser.findElements(By.cssSelector(settingsEvent))).as("earlier events kept").isNotEmpty();

        assertThat(script("return window.stillTheSamePage === true;")).as("never reloaded").isEqualTo(true);
        assertThat(browser.findElement(By.id("live-status")).getAttribute("data-state")).isEqualTo("live");
        assertNoScriptErrors();
    }

    @Test
    void withUsersEachTokenSeesWhatItMayAndAResearcherSeesOnlyTheirJobs() throws IOException {
        startServer();
        adminToken = createUser("root", "admin", null);
        server.useToken(adminToken);
        String alice = createUser("alice", "researcher", "vision");
        String bob = createUser("bob", "researcher", "nlp");
        server.post("/api/queue/concurrency", "{\"local_job_max_concurrent\": 3, \"user_max_concurrent\": 1}");
        server.useToken(alice);
        String aliceRunning = server.submit("long").get("job_id").asText();
        String aliceWaiting = server.submit("long").get("job_id").asText();
        server.useToken(bob);
        String bobRunning = server.submit("long").get("job_id").asText();
        server.submit("long");
        server.post("/api/queue/submit", "{\"config_name\": \"big\", \"requires_approval\": true}");
        server.useToken(adminToken);
        assertThat(server.status(aliceRunning)).isEqualTo("running");
        assertThat(server.status(bobRunning)).isEqualTo("running");
        assertThat(server.status(aliceWaiting)).isEqualTo("pending");

        openPanel(false);
        await("a refusal without a token, in the API's words", ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#messages [data-kind='error']"), "credentials required"));

        enterToken(alice);
        await("alice's jobs and no one else's", d -> shownJobs("queue").equals(
                Map.of(aliceRunning, "alice", aliceWaiting, "alice")));
        await("alice's running job only", d -> shownJobs("running").keySet().equals(Set.of(aliceRunning)));
        await("the live stream with alice's token", ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "live"));
        server.useToken(bob);
        String bobLater = server.submit("long").get("job_id").asText();
        server.useToken(alice);
        String aliceLater = server.submit("long").get("job_id").asText();
        await("alice's new job, live", visible(row("queue", aliceLater)));
        assertThat(shownJobs("queue")).as("bob's jobs are not alice's to see").doesNotContainKey(bobLater)
                .containsOnlyKeys(aliceRunning, aliceWaiting, aliceLater);

        click(By.id("setting-enable_fair_share"));
        click(By.id("settings-save"));
        await("a researcher may not change settings: the API's answer", ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#messages [data-kind='error']"), "(HTTP 403)"));
        server.useToken(adminToken);
        assertThat(server.get("/api/queue/concurrency").get("enable_fair_share").asBoolean()).isFalse();

        enterToken(adminToken);
        await("everyone's jobs for the admin", d -> shownJobs("queue").keySet().containsAll(
                Set.of(aliceRunning, aliceWaiting, aliceLater, bobRunning, bobLater)));
        await("bob's job awaiting approval", ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("#approvals-body tr[data-job-id]"), 1));
        await("both running jobs on their GPUs", ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("#gpu-map .gpu[data-job-id]"), 2));
        await("the settings form back in step", ExpectedConditions.elementSelectionStateToBe(
                By.id("setting-enable_fair_share"), false));
        assertThat(script("return localStorage.getItem('gpuqueue.token');")).as("the token is kept in the browser")
                .isEqualTo(adminToken);
        assertNoScriptErrors();

        browser.manage().window().setSize(new Dimension(1400, 1900));
        script("window.scrollTo(0, 0);");
        Files.createDirectories(SCREENSHOT.toAbsolutePath().getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);
    }

    // ---------------------------------------------------------------------------------------------

    private void startServer() {
        server = new ServerProcess(temp.resolve("home"))
                .config("long", "{\"command\": [\"sleep\", \"300\"]}")
                .config("big", "{\"command\": [\"sleep\", \"300\"], \"num_processes\": 2, \"estimated_cost\": 120}")
                .start();
        ServerProcess.Answer page = server.call("GET", "/", null);
        assertThat(page.status()).as("the server serves the panel at / (the composition root must pass"
                + " PanelRoutes.routes() to HttpApi.create): " + page.body()).isEqualTo(200);
        assertThat(page.body()).contains("<script type=\"module\" src=\"/panel/panel.js\">");
    }

    /** Opens the panel in a fresh browser profile; waits until it has loaded once (and, if asked, is live). */
    private void openPanel(boolean live) {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(temp.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
                "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--window-size=1400,1000",
                "--user-data-dir=" + temp.resolve("chromium-profile"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(service, options);
        browser.get(server.base() + "/");
        await("the panel loaded", ExpectedConditions.attributeToBeNotEmpty(
                browser.findElement(By.tagName("body")), "data-refreshed"));
        if (live) {
            await("the live event stream", ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "live"));
        }
    }

    private void enterToken(String token) {
        WebElement field = browser.findElement(By.id("token"));
        field.clear();
        field.sendKeys(token);
        browser.findElement(By.id("token-save")).click();
    }

    private String createUser(String name, String level, String team) {
        String teamJson = team == null ? "null" : "\"" + team + "\"";
        return server.post("/api/admin/users", "{\"name\": \"" + name + "\", \"level\": \"" + level + "\", \"team_id\": "
                + teamJson + "}").get("token").asText();
    }

    private String submitForApproval() {
        JsonNode answer = server.post("/api/queue/submit", "{\"config_name\": \"long\", \"requires_approval\": true}");
        assertThat(answer.get("status").asText()).isEqualTo("blocked");
        return answer.get("job_id").asText();
    }

    private static String rowCss(String table, String jobId) {
        return "#" + table + "-body tr[data-job-id='" + jobId + "']";
    }

    private static By row(String table, String jobId) {
        return By.cssSelector(rowCss(table, jobId));
    }

    private static By inRow(String table, String jobId, String css) {
        return By.cssSelector(rowCss(table, jobId) + " " + css);
    }

    /** Clicks what {@code locator} finds once it is clickable (found again if a refresh replaced it). */
    private void click(By locator) {
        await("to click " + locator, d -> {
            WebElement element = d.findElement(locator);
            if (!element.isDisplayed() || !element.isEnabled()) {
                return null;
            }
            element.click();
            return true;
        });
    }

    /** Replaces the text of the input {@code locator} finds (found again if a refresh replaced it). */
    private void type(By locator, String text) {
        await("to type into " + locator, d -> {
            WebElement element = d.findElement(locator);
            element.clear();
            element.sendKeys(text);
            return text.equals(element.getAttribute("value")) ? true : null;
        });
    }

    /** The jobs a table shows now: job id to user name (read in one script, so no row goes stale meanwhile). */
    @SuppressWarnings("unchecked")
    private Map<String, String> shownJobs(String table) {
        List<String> rows = (List<String>) script("return Array.from(document.querySelectorAll('#" + table
                + "-body tr[data-job-id]')).map(r => r.dataset.jobId + ' ' + (r.dataset.user || ''));");
        Map<String, String> jobs = new TreeMap<>();
        rows.forEach(r -> jobs.put(r.split(" ", 2)[0], r.split(" ", 2)[1]));
        return jobs;
    }

    private static ExpectedCondition<WebElement> visible(By locator) {
        return ExpectedConditions.visibilityOfElementLocated(locator);
    }

    private <T> T await(String what, java.util.function.Function<? super WebDriver, T> condition) {
        // A live refresh may replace or briefly detach the element between finding and using it: try again.
        return new WebDriverWait(browser, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class)
                .ignoring(ElementNotInteractableException.class).until(condition);
    }

    private Object script(String code) {
        return ((JavascriptExecutor) browser).executeScript(code);
    }

    /** No script error, no blocked content: only failed requests (the API's refusals) may be logged. */
    private void assertNoScriptErrors() {
        List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(m -> !m.contains("Failed to load resource"))
                .toList();
        assertThat(problems).as("errors in the browser console").isEmpty();
    }
}
