package io.imagebatch.console.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium} driven headless through its {@code chromedriver} (the packages {@code .ci/run}
 * installs), in a window of {@value #WIDTH}x{@value #HEIGHT} px so that screenshots are alike from run to run.
 * Where either program is missing the test is skipped (a JUnit assumption) with a message saying what to install.
 */
final class HeadlessChromium implements AutoCloseable {

    /** The window's width, px. */
    static final int WIDTH = 1280;
    /** The window's height, px. */
    static final int HEIGHT = 900;

    private final ChromeDriver driver;
    private final Path profile;

    private HeadlessChromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /**
     * Starts a browser, or skips the test.
     *
     * @return the browser, with an empty profile of its own
     * @throws org.opentest4j.TestAbortedException when chromium or chromedriver is not installed
     */
    static HeadlessChromium start() {
        Optional<Path> chromium = onPath("chromium", "chromium-browser");
        Optional<Path> chromedriver = onPath("chromedriver");
        Assumptions.assumeTrue(chromium.isPresent() && chromedriver.isPresent(),
                "browser tests skipped: install Debian's chromium and chromium-driver packages (.ci/run does)");
        try {
            Path profile = Files.createTempDirectory("imagebatch-chromium");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium.get().toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=" + WIDTH + "," + HEIGHT, "--hide-scrollbars", "--force-device-scale-factor=1",
                    "--user-data-dir=" + profile, "--lang=en-GB");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(chromedriver.get().toFile()).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
            return new HeadlessChromium(driver, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the WebDriver */
    ChromeDriver driver() {
        return driver;
    }

    /**
     * Saves what the window shows as a PNG.
     *
     * @param file where, for example {@code docs/console/sign-in.png}; its folder is made
     * @throws UncheckedIOException when the file cannot be written
     */
    void screenshot(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the browser's cookies for the current site, as a {@code Cookie} request header's value */
    String cookieHeader() {
        return driver.manage().getCookies().stream().map(c -> c.getName() + "=" + c.getValue())
                .collect(Collectors.joining("; "));
    }

    /** Forgets every cookie of the current site: the next page asks to sign in again. */
    void forgetCookies() {
        driver.manage().deleteAllCookies();
    }

    /** @return the session cookie's value, or null before signing in */
    String sessionCookie() {
        Cookie cookie = driver.manage().getCookieNamed("JSESSIONID");
        return cookie == null ? null : cookie.getValue();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // a temp folder the OS cleans up anyway
            }
        }
    }

    private static Optional<Path> onPath(String... names) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/lib/chromium";
        for (String name : names) {
            for (String dir : path.split(":")) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
