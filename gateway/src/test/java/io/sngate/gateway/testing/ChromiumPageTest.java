package io.sngate.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The live page the status page's browser tests rely on: it keeps running between reads, what
 * goes wrong in it is collected (so that a test's "no problems" means something), dialogs are
 * answered, failures name their cause, and closing leaves no process and no profile behind.
 */
class ChromiumPageTest {

    /** A page whose own timer counts up: only a live page shows a later number. */
    private static final String COUNTING = "<p id=n>0</p><script>"
            + "setInterval(() => { const n = document.getElementById('n'); n.textContent = Number(n.textContent) + 1; }, 50);"
            + "</script>";

    @Test
    void thePageKeepsRunningAndWhatGoesWrongInItIsCollected() throws Exception {
        Path home;
        ProcessHandle browser;
        List<ProcessHandle> helpers;
        try (ChromiumPage page = ChromiumPage.open()) {
            home = page.home();
            browser = page.browser();
            helpers = browser.descendants().toList();
            // Chromium renders pages in processes of their own: closing must end those too.
            assertThat(helpers).isNotEmpty();
            assertThat(home).isDirectory();

            page.navigate(dataUrl(COUNTING));
            long first = page.evaluate("Number(document.getElementById('n').textContent)").asLong();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> page.evaluate("Number(document.getElementById('n').textContent)").asLong() > first);
            assertThat(page.problems()).isEmpty();

            page.evaluate("setTimeout(() => { throw new Error('thrown by a timer'); }); console.error('said', 42)");
            await().atMost(Duration.ofSeconds(10)).until(() -> page.problems().size() == 2);
            assertThat(page.problems()).anySatisfy(p -> {
                assertThat(p.kind()).isEqualTo("exception");
                assertThat(p.text()).startsWith("Error: thrown by a timer");
            }).contains(new ChromiumPage.Problem("console.error", "said 42"));

            assertThatThrownBy(() -> page.evaluate("notDefinedAnywhere + 1")).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("`notDefinedAnywhere + 1`")
                    .hasMessageContaining("ReferenceError: notDefinedAnywhere is not defined");

            assertThat(page.evaluate("confirm('Sure?')").asBoolean()).as("Cancel unless told").isFalse();
            page.answerDialogs(true);
            assertThat(page.evaluate("confirm('Really?')").asBoolean()).isTrue();
            assertThat(page.dialogs()).containsExactly(new ChromiumPage.Dialog("confirm", "Sure?"),
                    new ChromiumPage.Dialog("confirm", "Really?"));

            String nobody = "http://127.0.0.1:" + Mosquitto.freePort() + "/";
            assertThatThrownBy(() -> page.navigate(nobody)).isInstanceOf(AssertionError.class)
                    .hasMessage("chromium could not open " + nobody + ": net::ERR_CONNECTION_REFUSED");
            assertThatThrownBy(() -> page.call("Page.noSuchCommand")).isInstanceOf(AssertionError.class)
                    .hasMessageStartingWith("chromium refused Page.noSuchCommand {}: ");
            // An expression that throws is the caller's failure, not the page's.
            assertThat(page.problems()).hasSize(2);
        }
        assertThat(browser.isAlive()).isFalse();
        assertThat(helpers).noneMatch(ProcessHandle::isAlive);
        assertThat(home).doesNotExist();
    }

    private static String dataUrl(String html) {
        return "data:text/html," + URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
