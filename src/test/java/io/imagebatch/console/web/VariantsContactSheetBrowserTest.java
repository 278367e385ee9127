package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.ExitCodes;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.serve.JobLastBatches;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SandboxBatch;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The console's contact sheet of a batch with variants (README.md, Variants), in a real browser: {@code serve
 * --sandbox} runs a job file with {@code variants: 2} and a rendition; headless chromium shows each row's two
 * variants side by side, a submitter presses "Choose" on a row's variant 2 and sees it marked, and the chosen file
 * is the variant's bytes. Saves {@code docs/console/contact-sheet-variants.png}, shown in README.md and
 * docs/console.md. Skipped where chromium or chromedriver is not installed.
 */
class VariantsContactSheetBrowserTest {

    private static final Path SCREENSHOTS = Path.of("docs/console");
    private static final Duration PAGE = Duration.ofSeconds(30);
    private static final String USER = "sam";
    private static final String PASSWORD = "sam-submitter-pw";
    private static final int ROWS = 3;

    @TempDir
    static Path work;
    private static RunningServe serve;
    private static HeadlessChromium browser;
    private static String batch;

    @BeforeAll
    static void runAVariantsBatchAndStartTheBrowser() throws IOException {
        browser = HeadlessChromium.start();
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        Path catalogue = Files.writeString(work.resolve("catalogue.csv"), """
                id,prompt
                lamp,a brass desk lamp on a white background
                shirt,a linen shirt folded on a white background
                vase,a glass vase with tulips on a white background
                """);
        Path job = Files.writeString(jobs.resolve("candidates.yml"), """
                name: candidates
                catalogue: %s
                output: file:%s
                team: shop
                variants: 2
                defaults: { aspect-ratio: "1:1", resolution: 1K }
                schedule: "0 0 0 1 1 *"
                sandbox: { min-generation-time: 50ms, max-generation-time: 200ms, failure-rate: 0 }
                renditions:
                  - { name: square, width: 200, height: 200, fit: crop, format: jpg }
                """.formatted(catalogue, work.resolve("out")));
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(), "--sandbox", "--server.port=0",
                "--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.serve.stop-timeout=15s",
                "--imagebatch.console.thumbnail-dir=" + work.resolve("thumbnails"),
                "--imagebatch.console.upload-dir=" + work.resolve("uploads"),
                "--imagebatch.console.users[0].name=" + USER,
                "--imagebatch.console.users[0].password-hash=" + new BCryptPasswordEncoder(4).encode(PASSWORD),
                "--imagebatch.console.users[0].roles=SUBMITTER",
                "--imagebatch.console.users[0].team=shop"));
        args.addAll(CliRun.database(work));
        serve = ImageBatchCli.startServe(args, System.out);
        assertThat(serve.scheduler().runJob("candidates", job)).isEqualTo(ExitCodes.COMPLETED);
        batch = serve.context().getBean(JobLastBatches.class).get("candidates").orElseThrow();
    }

    @AfterAll
    static void stopEverything() {
        if (browser != null) {
            browser.close();
        }
        if (serve != null) {
            serve.close();
        }
    }

    @Test
    void theContactSheetShowsARowsTwoVariantsSideBySideAndChoosingVariantTwoMarksIt() throws Exception {
        ChromeDriver driver = browser.driver();
        signIn();
        driver.get(url("/batches/" + batch + "/contact-sheet"));
        wait(PAGE).until(d -> d.findElements(By.cssSelector("#sheet li.variants-card")).size() == ROWS);
        for (WebElement card : driver.findElements(By.cssSelector("#sheet li.variants-card"))) {
            assertThat(card.findElements(By.cssSelector("figure.variant img"))).as("two images per row").hasSize(2);
            assertThat(card.findElements(By.cssSelector("form.choose button"))).as("a Choose per stored variant")
                    .hasSize(2);
        }
        assertThat(driver.findElements(By.cssSelector("#sheet .chosen"))).as("nothing chosen yet").isEmpty();

        driver.findElement(By.id("choose-2-2")).click();

        wait(PAGE).until(d -> !d.findElements(By.cssSelector("main .notice")).isEmpty());
        assertThat(URI.create(driver.getCurrentUrl()).getPath()).isEqualTo("/batches/" + batch + "/contact-sheet");
        WebElement chosen = driver.findElement(By.cssSelector("#sheet li[data-row='2'] figure.chosen"));
        assertThat(chosen.getAttribute("data-variant")).isEqualTo("2");
        assertThat(chosen.getText()).contains("Chosen");
        assertThat(driver.findElements(By.cssSelector("#sheet figure.chosen"))).hasSize(1);
        Path second = image("shirt", 2);
        assertThat(Files.readAllBytes(second.resolveSibling("shirt" + extension(second))))
                .isEqualTo(Files.readAllBytes(second));
        wait(PAGE).until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                "return Array.from(document.querySelectorAll('#sheet img'))"
                        + ".every(i => i.complete && i.naturalWidth > 0);")));
        browser.screenshot(SCREENSHOTS.resolve("contact-sheet-variants.png"));

        // the row's page shows the same variants, the chosen one marked; the rows table has a line per variant
        driver.get(url("/batches/" + batch + "/rows/2"));
        wait(PAGE).until(d -> d.findElements(By.cssSelector("#variants figure.variant")).size() == 2);
        assertThat(driver.findElement(By.cssSelector("#variants figure.chosen")).getAttribute("data-variant"))
                .isEqualTo("2");
        assertThat(driver.findElements(By.cssSelector("#variants form.choose button"))).as("Choose on variant 1 only")
                .hasSize(1);
        driver.get(url("/batches/" + batch));
        wait(PAGE).until(d -> d.findElements(By.cssSelector("#rows tbody tr")).size() == ROWS * 2);
        assertThat(driver.findElements(By.cssSelector("#rows thead th")).stream().map(WebElement::getText))
                .contains("Variant");
    }

    private static Path image(String rowId, int variant) {
        CSVRecord line = SandboxBatch.report(work, batch).stream()
                .filter(r -> r.get("row_id").equals(rowId) && r.get("variant").equals(String.valueOf(variant)))
                .findFirst().orElseThrow();
        return Path.of(URI.create(line.get("output_uri")));
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        return name.substring(name.lastIndexOf('.'));
    }

    private static void signIn() {
        ChromeDriver driver = browser.driver();
        driver.get(url("/login"));
        driver.findElement(By.id("username")).sendKeys(USER);
        driver.findElement(By.id("password")).sendKeys(PASSWORD);
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
        wait(PAGE).until(d -> !URI.create(d.getCurrentUrl()).getPath().equals("/login"));
    }

    private static WebDriverWait wait(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser.driver(), timeout);
        wait.ignoring(StaleElementReferenceException.class);
        wait.withMessage(() -> "the browser is at " + browser.driver().getCurrentUrl() + " (\""
                + browser.driver().getTitle() + "\")");
        return wait;
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + serve.port() + path;
    }
}
