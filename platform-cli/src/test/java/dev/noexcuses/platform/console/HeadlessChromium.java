package dev.noexcuses.platform.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.NotFoundException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's {@code chromium} driven through {@code chromium-driver}, headless, with the flags it needs
 * as root and without any network access of its own. Missing browsers fail the test with the
 * command that installs them: browser tests never skip silently.
 */
final class HeadlessChromium {
    private static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
    private static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    private HeadlessChromium() {}

    static ChromeDriver start(Path userDataDir) throws IOException {
        Path browser = find("console.test.chromium", BROWSERS).orElseThrow(() -> new IllegalStateException(missing()));
        Path driver = find("console.test.chromedriver", DRIVERS).orElseThrow(() -> new IllegalStateException(missing()));
        Files.createDirectories(userDataDir);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--disable-extensions", "--js-flags=--max-old-space-size=256",
                "--window-size=1400,1000", "--user-data-dir=" + userDataDir.toAbsolutePath());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /**
     * Waits until the condition gives a value other than null or false. The console's pages redraw
     * their tables on every refresh, so an element found a moment ago may be gone when it is read: a
     * missing or replaced element is asked for again, not a failure.
     */
    static <T> T until(WebDriver browser, Duration timeout, Function<WebDriver, T> condition) {
        return new WebDriverWait(browser, timeout).ignoring(NotFoundException.class)
                .ignoring(StaleElementReferenceException.class).until(condition::apply);
    }

    /** The element's text as the page shows it now, read again if a redraw replaced the element. */
    static String text(WebDriver browser, Duration timeout, By element) {
        return until(browser, timeout, d -> d.findElement(element).getText());
    }

    /** Clicks the element, found again if a redraw replaced it before the click. */
    static void click(WebDriver browser, Duration timeout, By element) {
        until(browser, timeout, d -> {
            d.findElement(element).click();
            return true;
        });
    }

    /** Errors the page logged to the browser console since the last call (network failures included). */
    static List<LogEntry> consoleErrors(ChromeDriver browser) {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    }

    /**
     * Saves what the page shows as target/console-screenshots/NAME.png, and also under
     * {@code -Dconsole.screenshots.dir} when it is set (docs/console uses them).
     */
    static void screenshot(ChromeDriver browser, String name) throws IOException {
        Path png = browser.getScreenshotAs(OutputType.FILE).toPath();
        Path dir = Path.of("target", "console-screenshots");
        Files.createDirectories(dir);
        Files.copy(png, dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        String docs = System.getProperty("console.screenshots.dir");
        if (docs != null && !docs.isBlank()) {
            Files.createDirectories(Path.of(docs));
            Files.copy(png, Path.of(docs, name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Optional<Path> find(String property, List<String> candidates) {
        String configured = System.getProperty(property);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        return candidates.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    private static String missing() {
        return "The console's browser tests need Debian's chromium and chromium-driver "
                + "(apt-get install -y chromium chromium-driver; .ci/run installs them), or their paths in "
                + "-Dconsole.test.chromium and -Dconsole.test.chromedriver. Environment: " + Map.of(
                        "chromium", BROWSERS, "chromedriver", DRIVERS);
    }
}
