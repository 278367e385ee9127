package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The console in a real browser (README.md, Console): {@code serve} with the demo user and two configured users,
 * its providers pointed at a sandbox provider this test starts (so it can count what was sent), driven through
 * headless chromium. Saves the screenshots of README.md under {@code docs/console/}. Skipped where chromium or
 * chromedriver is not installed.
 */
class ConsolePagesBrowserTest {

    /** Where the screenshots shown in README.md go. */
    private static final Path SCREENSHOTS = Path.of("docs/console");
    private static final Duration PAGE = Duration.ofSeconds(30);
    /** The upload limit of the test's serve, bytes: the sample catalogue (4 KB) fits. */
    private static final int UPLOAD_LIMIT = 64 * 1024;
    private static final Duration BATCH = Duration.ofSeconds(180);
    private static final String VIEWER = "vera";
    private static final String VIEWER_PASSWORD = "vera-viewer-pw";
    private static final String OUTSIDER = "otto";
    private static final String OUTSIDER_PASSWORD = "otto-other-team-pw";

    @TempDir
    static Path work;
    private static SandboxProvider sandbox;
    private static RunningServe serve;
    private static HeadlessChromium browser;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startServeAndBrowser() throws IOException {
        browser = HeadlessChromium.start();
        // generations long enough that the batch is still running when its page first shows
        sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(1500), Duration.ofMillis(3500)));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        // the demo's job file (jobs/demo.yml) as a template, writing into the test's folder
        Files.writeString(jobs.resolve("demo.yml"), """
                name: demo
                catalogue: %s
                provider: liangxin
                model: nano-banana-pro-flash
                output: file:%s
                columns: { id: sku }
                prompt-template: "%s"
                defaults: { aspect-ratio: "1:1", resolution: 1K }
                """.formatted(SampleCatalogue.FILE.toAbsolutePath(), work.resolve("out"), SampleCatalogue.TEMPLATE));
        BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder();
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(), "--server.port=0",
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.providers.liangxin.price-per-image=0.04",
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.job.progress-interval=1s", "--imagebatch.serve.stop-timeout=15s",
                "--imagebatch.console.upload-dir=" + work.resolve("uploads"),
                "--imagebatch.console.thumbnail-dir=" + work.resolve("thumbnails"),
                "--imagebatch.console.max-upload-bytes=" + UPLOAD_LIMIT,
                "--imagebatch.console.demo-user=true",
                "--imagebatch.console.users[0].name=" + VIEWER,
                "--imagebatch.console.users[0].password-hash=" + bcrypt.encode(VIEWER_PASSWORD),
                "--imagebatch.console.users[0].roles=VIEWER",
                "--imagebatch.console.users[0].team=demo",
                "--imagebatch.console.users[1].name=" + OUTSIDER,
                "--imagebatch.console.users[1].password-hash=" + bcrypt.encode(OUTSIDER_PASSWORD),
                "--imagebatch.console.users[1].roles=SUBMITTER",
                "--imagebatch.console.users[1].team=other"));
        args.addAll(CliRun.database(work));
        serve = ImageBatchCli.startServe(args, System.out);
    }

    @AfterAll
    static void stopEverything() {
        if (browser != null) {
            browser.close();
        }
        if (serve != null) {
            serve.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @BeforeEach
    void signedOut() {
        browser.driver().get(url("/login"));
        browser.forgetCookies();
    }

    @Test
    void aSubmitterSeesTheRejectionsAndEstimateBeforeAnythingIsSentThenWatchesTheBatchCompleteWithoutAReload()
            throws Exception {
        ChromeDriver driver = browser.driver();
        driver.get(url("/batches"));
        assertThat(driver.getCurrentUrl()).as("a page asks to sign in first").endsWith("/login");
        browser.screenshot(SCREENSHOTS.resolve("sign-in.png"));
        signIn("demo", "demo");

        // new batch: the sample catalogue with the demo's job template; Check sends nothing
        int createsBefore = sandbox.stats().creates();
        driver.get(url("/batches/new"));
        driver.findElement(By.id("catalogue")).sendKeys(SampleCatalogue.FILE.toAbsolutePath().toString());
        new Select(driver.findElement(By.id("job"))).selectByValue("demo");
        driver.findElement(By.id("check")).click();
        wait(PAGE).until(d -> !d.findElements(By.id("rejections")).isEmpty());
        String batchPath = URI.create(driver.getCurrentUrl()).getPath();
        assertThat(batchPath).matches("/batches/[A-Za-z0-9._-]+");

        List<WebElement> rejections = driver.findElements(By.cssSelector("#rejections tbody tr"));
        assertThat(rejections).hasSize(SampleCatalogue.REJECTED.size());
        assertThat(rejections.stream().map(r -> r.findElement(By.cssSelector("td")).getText()))
                .containsExactlyInAnyOrder("41", "42", "43", "44", "45");
        assertThat(text("#rejections")).contains("aspect_ratio").contains("resolution").contains("colour")
                .contains("reference_images");
        // 40 valid rows at 0.04 each
        assertThat(text("#estimate")).contains("liangxin").contains("nano-banana-pro-flash").contains("1.60 USD");
        assertThat(text("#preview")).contains("Studio product photo of the");
        assertThat(text("#columns")).contains("sku");
        assertThat(sandbox.stats().creates()).as("nothing sent before Start").isEqualTo(createsBefore);
        browser.screenshot(SCREENSHOTS.resolve("new-batch-check.png"));

        // start, and watch the same page (no navigation: the marker set on the window survives) reach COMPLETED
        driver.findElement(By.id("start")).click();
        // hold the batch in its poll step once every task is created (each takes 1.5 s or more to generate), so
        // that it is still running when its page shows, however slow the machine
        await().atMost(BATCH).until(() -> sandbox.stats().creates() - createsBefore == SampleCatalogue.VALID);
        sandbox.failEveryRequestWith(503);
        JavascriptExecutor js = driver;
        try {
            wait(PAGE).until(d -> !d.findElements(By.id("progress")).isEmpty());
            js.executeScript("window.imagebatchTestMarker = 'same page';");
            assertThat(text("#status")).as("still running when the page shows").isIn("STARTING", "STARTED");
            wait(PAGE).until(d -> !d.findElements(By.cssSelector("#counts td[data-state='SUBMITTED'],"
                    + " #counts td[data-state='RUNNING'], #counts td[data-state='GENERATED']")).isEmpty());
            browser.screenshot(SCREENSHOTS.resolve("batch-in-progress.png"));
        } finally {
            sandbox.failEveryRequestWith(0);
        }
        wait(BATCH).until(d -> "COMPLETED".equals(d.findElement(By.id("status")).getText()));
        assertThat(js.executeScript("return window.imagebatchTestMarker;")).as("no reload").isEqualTo("same page");
        assertThat(driver.findElement(By.cssSelector("#counts td[data-state='STORED']")).getText())
                .isEqualTo(String.valueOf(SampleCatalogue.VALID));
        assertThat(sandbox.stats().creates() - createsBefore).isEqualTo(SampleCatalogue.VALID);
        assertThat(text("#ended-text")).isEqualTo(SampleCatalogue.ROWS + " of " + SampleCatalogue.ROWS);

        // the contact sheet: a thumbnail per stored row, each loaded
        driver.findElement(By.id("contact-sheet-link")).click();
        wait(PAGE).until(d -> d.findElements(By.cssSelector("#sheet img")).size() == SampleCatalogue.VALID);
        wait(PAGE).until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                "return Array.from(document.querySelectorAll('#sheet img'))"
                        + ".every(i => i.complete && i.naturalWidth > 0);")));
        browser.screenshot(SCREENSHOTS.resolve("contact-sheet.png"));

        // a row's page, from its thumbnail
        driver.findElement(By.cssSelector("#sheet a")).click();
        wait(PAGE).until(d -> !d.findElements(By.id("row-state")).isEmpty());
        assertThat(text("#row-state")).isEqualTo("STORED");
        assertThat(text("#row-prompt")).startsWith("Studio product photo of the");
        wait(PAGE).until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                "var i = document.getElementById('image'); return i.complete && i.naturalWidth > 0;")));
        browser.screenshot(SCREENSHOTS.resolve("row.png"));

        // redo the row with an edited prompt: one new create with it, the earlier attempt kept in the history
        String rowPath = URI.create(driver.getCurrentUrl()).getPath();
        String earlierPrompt = text("#row-prompt");
        String editedPrompt = earlierPrompt + ", on a walnut table";
        WebElement prompt = driver.findElement(By.id("prompt"));
        prompt.clear();
        prompt.sendKeys(editedPrompt);
        driver.findElement(By.id("redo-button")).click();
        wait(PAGE).until(d -> !d.findElements(By.cssSelector("main .notice")).isEmpty());
        assertThat(URI.create(driver.getCurrentUrl()).getPath()).isEqualTo(rowPath);
        // the row page is not live: look again until the new attempt is stored
        wait(BATCH).until(d -> {
            d.navigate().refresh();
            return "STORED".equals(d.findElement(By.id("row-state")).getText())
                    && editedPrompt.equals(d.findElement(By.id("row-prompt")).getText());
        });
        assertThat(sandbox.stats().createsByPrompt()).containsEntry(editedPrompt, 1).containsEntry(earlierPrompt, 1);
        List<WebElement> attempts = driver.findElements(By.cssSelector("#attempts tbody tr"));
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).getText()).contains(earlierPrompt);

        // the ZIP, with the browser's session: every image and report.csv
        HttpResponse<InputStream> zip = http.send(HttpRequest.newBuilder(URI.create(url(batchPath + "/archive.zip")))
                .header("Cookie", browser.cookieHeader()).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(zip.statusCode()).isEqualTo(200);
        List<String> entries = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(zip.body())) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.add(e.getName());
            }
        }
        assertThat(entries).anyMatch(n -> n.endsWith("report.csv"));
        assertThat(entries.stream().filter(n -> n.endsWith(".png"))).hasSize(SampleCatalogue.VALID);
    }

    @Test
    void aViewerSeesNoStartButtonAndTheApiRefusesTheirStart() throws Exception {
        String batchPath = checkSmallCatalogueAs("demo", "demo", "viewer.csv");
        assertThat(browser.driver().findElements(By.id("start"))).as("a SUBMITTER has the button").hasSize(1);

        signOut();
        signIn(VIEWER, VIEWER_PASSWORD);
        browser.driver().get(url(batchPath));
        wait(PAGE).until(d -> !d.findElements(By.id("rejected-count")).isEmpty());
        assertThat(browser.driver().findElements(By.id("start"))).as("a VIEWER has none").isEmpty();
        assertThat(browser.driver().findElements(By.cssSelector("a[href$='/batches/new']"))).isEmpty();

        HttpResponse<String> start = http.send(HttpRequest.newBuilder(URI.create(url("/api" + batchPath + "/start")))
                .header("Authorization", basic(VIEWER, VIEWER_PASSWORD))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(start.statusCode()).isEqualTo(403);
        assertThat(text("#check-title")).contains("nothing has been sent");
    }

    @Test
    void aFormPostWithoutTheCsrfTokenIsRefusedAndDoesNothing() throws Exception {
        String batchPath = checkSmallCatalogueAs("demo", "demo", "csrf.csv");
        int createsBefore = sandbox.stats().creates();

        HttpResponse<String> start = http.send(HttpRequest.newBuilder(URI.create(url(batchPath + "/start")))
                .header("Cookie", browser.cookieHeader())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(start.statusCode()).isEqualTo(403);

        browser.driver().get(url(batchPath));
        wait(PAGE).until(d -> !d.findElements(By.id("start")).isEmpty());
        assertThat(sandbox.stats().creates()).isEqualTo(createsBefore);
    }

    @Test
    void theSignInPageSaysWhenTheSignInFailedAndWhenTheUserSignedOut() {
        ChromeDriver driver = browser.driver();
        driver.get(url("/login"));
        driver.findElement(By.id("username")).sendKeys("demo");
        driver.findElement(By.id("password")).sendKeys("not the password");
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
        wait(PAGE).until(d -> !d.findElements(By.cssSelector("main .error")).isEmpty());
        assertThat(text("main .error")).contains("Wrong user name or password");

        signIn("demo", "demo");
        signOut();
        assertThat(text("main .notice")).contains("You have signed out");
        driver.get(url("/batches"));
        assertThat(driver.getCurrentUrl()).endsWith("/login");
    }

    @Test
    void anotherTeamsBatchIsNotFoundAndTheSettingsAreForAdminsWithoutASecret() throws Exception {
        String batchPath = checkSmallCatalogueAs("demo", "demo", "team.csv");

        browser.driver().get(url("/settings"));
        assertThat(text("#providers")).contains("liangxin").contains(sandbox.baseUrl().toString()).contains("0.04");
        assertThat(browser.driver().getPageSource()).doesNotContain(SandboxProvider.API_KEY);

        signOut();
        signIn(OUTSIDER, OUTSIDER_PASSWORD);
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url(batchPath)))
                .header("Cookie", browser.cookieHeader()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.body()).contains("Not found").doesNotContain(batchPath.substring("/batches/".length()));
        browser.driver().get(url("/batches"));
        assertThat(browser.driver().getPageSource()).doesNotContain(batchPath.substring("/batches/".length()));
        assertThat(browser.driver().findElements(By.cssSelector("a[href$='/settings']"))).isEmpty();
        HttpResponse<String> settings = http.send(HttpRequest.newBuilder(URI.create(url("/settings")))
                .header("Cookie", browser.cookieHeader()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(settings.statusCode()).isEqualTo(403);
    }

    @Test
    void theRowsTableIsFilteredByStateAndSearchedByIdOrPrompt() throws Exception {
        String batchPath = checkSmallCatalogueAs("demo", "demo", "rows.csv");
        ChromeDriver driver = browser.driver();
        driver.findElement(By.id("start")).click();
        wait(BATCH).until(d -> "COMPLETED".equals(d.findElement(By.id("status")).getText()));
        driver.get(url(batchPath));
        assertThat(rowIds()).containsExactly("rows.csv-1", "rows.csv-2", "rows.csv-3");

        new Select(driver.findElement(By.id("state"))).selectByValue("REJECTED");
        driver.findElement(By.cssSelector("form.filter button")).click();
        wait(PAGE).until(d -> d.getCurrentUrl().contains("state=REJECTED"));
        assertThat(rowIds()).containsExactly("rows.csv-2");

        new Select(driver.findElement(By.id("state"))).selectByValue("");
        driver.findElement(By.id("q")).sendKeys("GREEN SOFA");
        driver.findElement(By.cssSelector("form.filter button")).click();
        wait(PAGE).until(d -> d.getCurrentUrl().contains("q=GREEN"));
        assertThat(rowIds()).containsExactly("rows.csv-3");
    }

    @Test
    void aFileThatIsNotACatalogueIsRefusedOnTheFormWithItsReasonAndNothingIsMade() throws Exception {
        Path binary = Files.write(work.resolve("picture.csv"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13});
        signIn("demo", "demo");
        ChromeDriver driver = browser.driver();
        driver.get(url("/batches"));
        int batchesBefore = driver.findElements(By.cssSelector("table.data tbody tr")).size();
        driver.get(url("/batches/new"));
        driver.findElement(By.id("catalogue")).sendKeys(binary.toAbsolutePath().toString());
        driver.findElement(By.id("check")).click();
        wait(PAGE).until(d -> !d.findElements(By.cssSelector("main .error")).isEmpty());
        assertThat(URI.create(driver.getCurrentUrl()).getPath()).isEqualTo("/batches");
        assertThat(text("main .error")).isNotBlank();
        driver.get(url("/batches"));
        assertThat(driver.findElements(By.cssSelector("table.data tbody tr"))).hasSize(batchesBefore);
    }

    @Test
    void anUploadOverTheLimitIsRefusedWithAPageNamingTheLimit() throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 1; csv.length() <= 2 * UPLOAD_LIMIT; i++) {
            csv.append("big-").append(i).append(",a very long prompt about a chair number ").append(i).append('\n');
        }
        Path big = Files.writeString(work.resolve("big.csv"), csv);
        signIn("demo", "demo");
        ChromeDriver driver = browser.driver();
        driver.get(url("/batches/new"));
        driver.findElement(By.id("catalogue")).sendKeys(big.toAbsolutePath().toString());
        driver.findElement(By.id("check")).click();
        wait(PAGE).until(d -> d.getPageSource().contains("imagebatch.console.max-upload-bytes"));
        assertThat(driver.findElements(By.cssSelector(".top nav"))).as("the console's layout").isNotEmpty();
    }

    @Test
    void theRowsTableIsPagedByFiftyAndTheContactSheetByAHundred() throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 1; i <= 120; i++) {
            csv.append("paged-").append(i).append(",a small paged chair ").append(i).append('\n');
        }
        Path catalogue = Files.writeString(work.resolve("paged.csv"), csv);
        signIn("demo", "demo");
        ChromeDriver driver = browser.driver();
        driver.get(url("/batches/new"));
        driver.findElement(By.id("catalogue")).sendKeys(catalogue.toAbsolutePath().toString());
        new Select(driver.findElement(By.id("provider"))).selectByValue("liangxin");
        driver.findElement(By.id("output")).sendKeys("file:" + work.resolve("out"));
        driver.findElement(By.id("check-and-start")).click();
        wait(BATCH).until(d -> "COMPLETED".equals(d.findElement(By.id("status")).getText()));
        String batchPath = URI.create(driver.getCurrentUrl()).getPath();

        driver.get(url(batchPath));
        assertThat(text(".pager span")).isEqualTo("Page 1 of 3");
        assertThat(rowIds()).hasSize(BatchPagesController.ROWS_PER_PAGE).startsWith("paged-1").endsWith("paged-50");
        driver.findElement(By.linkText("Next")).click();
        wait(PAGE).until(d -> d.getCurrentUrl().contains("page=1"));
        assertThat(rowIds()).hasSize(BatchPagesController.ROWS_PER_PAGE).startsWith("paged-51").endsWith("paged-100");

        driver.get(url(batchPath + "/contact-sheet"));
        assertThat(driver.findElements(By.cssSelector("#sheet li"))).hasSize(BatchPagesController.THUMBNAILS_PER_PAGE);
        driver.findElement(By.linkText("Next")).click();
        wait(PAGE).until(d -> d.getCurrentUrl().contains("page=1"));
        assertThat(driver.findElements(By.cssSelector("#sheet li"))).hasSize(20);
        assertThat(text(".pager span")).isEqualTo("Page 2 of 2");
    }

    // ---- helpers ----

    /** @return the row ids in the batch page's rows table, top to bottom */
    private List<String> rowIds() {
        return browser.driver().findElements(By.cssSelector("#rows tbody tr td:nth-child(2)")).stream()
                .map(WebElement::getText).toList();
    }

    /** Signs in as {@code user}, uploads a three-row catalogue with one bad row, presses Check; the batch's path. */
    private String checkSmallCatalogueAs(String user, String password, String fileName) throws IOException {
        Path catalogue = work.resolve(fileName);
        Files.writeString(catalogue, "id,prompt,aspect_ratio\n" + fileName + "-1,a red chair,1:1\n" + fileName
                + "-2,a blue lamp,7:3\n" + fileName + "-3,a green sofa,1:1\n", StandardCharsets.UTF_8);
        ChromeDriver driver = browser.driver();
        driver.get(url("/login"));
        signIn(user, password);
        driver.get(url("/batches/new"));
        driver.findElement(By.id("catalogue")).sendKeys(catalogue.toAbsolutePath().toString());
        new Select(driver.findElement(By.id("provider"))).selectByValue("liangxin");
        driver.findElement(By.id("output")).sendKeys("file:" + work.resolve("out"));
        driver.findElement(By.id("check")).click();
        wait(PAGE).until(d -> !d.findElements(By.id("rejected-count")).isEmpty());
        assertThat(text("#rejected-count")).isEqualTo("1");
        return URI.create(driver.getCurrentUrl()).getPath();
    }

    private void signIn(String user, String password) {
        ChromeDriver driver = browser.driver();
        // no script or image load of an earlier page may touch the session while the form is filled (a live batch
        // page polls every 2 s), and the earlier session goes: a fresh session, whose CSRF token the form carries
        driver.get("about:blank");
        driver.get(url("/login"));
        driver.manage().deleteAllCookies();
        driver.get(url("/login"));
        driver.findElement(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
        wait(PAGE).until(d -> !URI.create(d.getCurrentUrl()).getPath().equals("/login"));
        // after signing in Spring Security goes back to the last page asked for while signed out, which may be an
        // image of an earlier page: go to the batch list, where the signed-in layout shows
        driver.get(url("/batches"));
        wait(PAGE).until(d -> !d.findElements(By.cssSelector(".signout")).isEmpty());
    }

    private void signOut() {
        browser.driver().findElement(By.cssSelector(".signout button")).click();
        wait(PAGE).until(d -> !d.findElements(By.cssSelector("main .notice")).isEmpty());
    }

    private String text(String css) {
        return browser.driver().findElement(By.cssSelector(css)).getText();
    }

    private static WebDriverWait wait(Duration timeout) {
        // the live parts are swapped every 2 s: an element found just before its swap is stale, look again
        WebDriverWait wait = new WebDriverWait(browser.driver(), timeout);
        wait.ignoring(StaleElementReferenceException.class);
        wait.withMessage(() -> "the browser is at " + browser.driver().getCurrentUrl() + " (\""
                + browser.driver().getTitle() + "\")");
        return wait;
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + serve.port() + path;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

}
