package io.sngate.gateway.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One page of a headless Chromium that stays open while a test drives it through the Chrome
 * DevTools Protocol: the test navigates, evaluates JavaScript in the live page and reads back
 * values, while the page's own scripts keep running. Unlike {@link HeadlessChromium}'s one-shot
 * runs this shows what a page does over time, without reloading it.
 *
 * <p>The page's uncaught exceptions, {@code console.error} calls and the browser's error log
 * entries are collected as {@link #problems()}; its dialogs ({@code confirm}, {@code alert}) are
 * answered as {@link #answerDialogs} says and kept in {@link #dialogs()}. Closing destroys the
 * browser with its child processes and removes its profile.
 */
public final class ChromiumPage implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_CHARS = 4_000;

    /** Something a working page never does: an uncaught exception, console.error, an error in the browser's log. */
    public record Problem(String kind, String text) {
    }

    /** A dialog the page opened: its type (alert, confirm, prompt, beforeunload) and text. */
    public record Dialog(String type, String message) {
    }

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Process process;
    /** The browser's own temporary directory: its profile and its log. */
    private final Path home;
    private final Path log;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<Problem> problems = new CopyOnWriteArrayList<>();
    private final List<Dialog> dialogs = new CopyOnWriteArrayList<>();
    private final Object sendLock = new Object();
    /** The last message handed to the socket: the JDK's WebSocket takes one send at a time. */
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    private WebSocket socket;
    private volatile boolean acceptDialogs;
    private volatile CompletableFuture<Void> nextLoad = new CompletableFuture<>();
    /** Why the DevTools connection ended, or null while it is open. */
    private volatile String ended;
    private volatile boolean closing;

    private ChromiumPage(Process process, Path home, Path log) {
        this.process = process;
        this.home = home;
        this.log = log;
    }

    /**
     * Starts headless Chromium with a fresh profile and connects to its page (about:blank).
     * Skips the test without Chromium, except on CI (CI=true), where it fails.
     */
    public static ChromiumPage open() throws IOException, InterruptedException {
        Path binary = HeadlessChromium.requireBinary();
        Path home = Files.createTempDirectory("sngate-chromium-");
        Path profile = home.resolve("profile");
        Path log = home.resolve("chromium.log");
        List<String> command = List.of(binary.toString(), "--headless", "--disable-gpu",
                // Tests run as root on CI, where Chromium's sandbox refuses to start.
                "--no-sandbox", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--user-data-dir=" + profile,
                // Port 0: Chromium picks a free one and writes it to DevToolsActivePort in the profile.
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            deleteTree(home);
            throw e;
        }
        ChromiumPage page = new ChromiumPage(process, home, log);
        try {
            page.connect(page.devToolsPort(profile.resolve("DevToolsActivePort")));
            return page;
        } catch (Exception | Error e) {
            try {
                page.close();
            } catch (RuntimeException notClosed) {
                e.addSuppressed(notClosed);
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ starting

    private int devToolsPort(Path portFile) {
        try {
            await("chromium writes " + portFile).atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> !process.isAlive() || readPort(portFile) > 0);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("chromium wrote no DevToolsActivePort within " + START_TIMEOUT.toSeconds()
                    + " s; its log: " + logTail());
        }
        if (!process.isAlive()) {
            throw new AssertionError("chromium exited with " + process.exitValue()
                    + " before it opened its DevTools port; its log: " + logTail());
        }
        return readPort(portFile);
    }

    /** The port in the file's first line, or 0 while the file is missing or half written. */
    private static int readPort(Path portFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(portFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + portFile, e);
        }
        // The second line (the browser's own endpoint) shows the first one is complete.
        if (lines.size() < 2 || !lines.get(0).strip().matches("\\d{1,5}")) {
            return 0;
        }
        return Integer.parseInt(lines.get(0).strip());
    }

    private void connect(int port) throws IOException, InterruptedException {
        String endpoint = pageEndpoint(port);
        try {
            socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(endpoint), new Receiver())
                    .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot open the DevTools connection " + endpoint + ": " + e, e);
        }
        call("Page.enable");
        call("Runtime.enable");
        call("Log.enable");
    }

    /** The page target's WebSocket: the one Chromium opened with about:blank, or a new one. */
    private String pageEndpoint(int port) throws IOException, InterruptedException {
        JsonNode targets = devToolsHttp(port, "GET", "/json/list");
        for (JsonNode target : targets) {
            if ("page".equals(target.path("type").asText()) && target.hasNonNull("webSocketDebuggerUrl")) {
                return target.get("webSocketDebuggerUrl").asText();
            }
        }
        JsonNode created = devToolsHttp(port, "PUT", "/json/new?about:blank");
        if (!created.hasNonNull("webSocketDebuggerUrl")) {
            throw new AssertionError("chromium created a page without a webSocketDebuggerUrl: " + created);
        }
        return created.get("webSocketDebuggerUrl").asText();
    }

    private JsonNode devToolsHttp(int port, String method, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + port + path);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(COMMAND_TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError(method + " " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return json.readTree(response.body());
    }

    // ------------------------------------------------------------------ driving the page

    /** Opens {@code url} in the page and waits for its load event (not for a change of the fragment alone). */
    public void navigate(String url) {
        CompletableFuture<Void> loaded = new CompletableFuture<>();
        nextLoad = loaded;
        ObjectNode params = json.createObjectNode().put("url", url);
        JsonNode result = call("Page.navigate", params);
        if (result.hasNonNull("errorText")) {
            throw new AssertionError("chromium could not open " + url + ": " + result.get("errorText").asText());
        }
        // Without a loaderId the navigation stayed in the same document: no load event comes.
        if (result.hasNonNull("loaderId")) {
            awaitAnswer(loaded, "the load event of " + url);
        }
    }

    /**
     * The value of {@code expression} in the page as JSON (a promise is awaited); {@link NullNode}
     * for undefined. An expression that throws fails with what it threw.
     */
    public JsonNode evaluate(String expression) {
        ObjectNode params = json.createObjectNode().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new AssertionError("the page threw evaluating `" + expression + "`: "
                    + describe(result.get("exceptionDetails")));
        }
        JsonNode value = result.path("result").get("value");
        return value == null ? NullNode.getInstance() : value;
    }

    /** How the page's later dialogs are answered: OK ({@code true}) or Cancel; Cancel unless told. */
    public void answerDialogs(boolean accept) {
        this.acceptDialogs = accept;
    }

    /** The dialogs the page opened so far, oldest first. */
    public List<Dialog> dialogs() {
        return List.copyOf(dialogs);
    }

    /** The page's problems so far, oldest first: a page that works well has none. */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** Sends one DevTools command and returns its result; fails with Chromium's error or on a timeout. */
    public JsonNode call(String method) {
        return call(method, json.createObjectNode());
    }

    /** Sends one DevTools command with {@code params} and returns its result. */
    public JsonNode call(String method, ObjectNode params) {
        CompletableFuture<JsonNode> answer = send(method, params);
        JsonNode reply = awaitAnswer(answer, "chromium's answer to " + method);
        if (reply.has("error")) {
            throw new AssertionError("chromium refused " + method + " " + params + ": "
                    + reply.get("error").path("message").asText(reply.get("error").toString()));
        }
        return reply.path("result");
    }

    private CompletableFuture<JsonNode> send(String method, ObjectNode params) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        String reason = ended;
        if (reason != null) {
            pending.remove(id);
            answer.completeExceptionally(new IllegalStateException(reason));
            return answer;
        }
        ObjectNode message = json.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        String text = message.toString();
        synchronized (sendLock) {
            // Each send waits for the previous one, whether or not that one went out.
            lastSend = lastSend.handle((done, failure) -> null)
                    .thenCompose(ignored -> socket.sendText(text, true))
                    .whenComplete((done, failure) -> {
                        if (failure != null) {
                            pending.remove(id);
                            answer.completeExceptionally(failure);
                        }
                    });
        }
        return answer;
    }

    private <T> T awaitAnswer(CompletableFuture<T> future, String what) {
        try {
            return future.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no " + what + " within " + COMMAND_TIMEOUT.toSeconds() + " s"
                    + (process.isAlive() ? "" : "; chromium exited with " + process.exitValue() + ": " + logTail()));
        } catch (ExecutionException e) {
            throw new AssertionError("no " + what + ": " + e.getCause().getMessage()
                    + (process.isAlive() ? "" : "; chromium exited with " + process.exitValue() + ": " + logTail()),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }

    // ------------------------------------------------------------------ receiving

    /** Collects a message's fragments and hands complete ones on; always asks for the next. */
    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                received(text);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            ended("chromium closed the DevTools connection (" + statusCode + " " + reason + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ended("the DevTools connection failed: " + error);
        }
    }

    private void received(String text) {
        JsonNode message;
        try {
            message = json.readTree(text);
        } catch (IOException e) {
            problems.add(new Problem("devtools", "unreadable message from chromium: " + text));
            return;
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> answer = pending.remove(message.get("id").asLong());
            if (answer != null) {
                answer.complete(message);
            }
            return;
        }
        JsonNode params = message.path("params");
        switch (message.path("method").asText()) {
            case "Runtime.exceptionThrown" -> problems.add(new Problem("exception",
                    describe(params.path("exceptionDetails"))));
            case "Runtime.consoleAPICalled" -> {
                String type = params.path("type").asText();
                if (type.equals("error") || type.equals("assert")) {
                    problems.add(new Problem("console." + type, consoleText(params.path("args"))));
                }
            }
            case "Log.entryAdded" -> {
                JsonNode entry = params.path("entry");
                if (entry.path("level").asText().equals("error")) {
                    String url = entry.path("url").asText("");
                    problems.add(new Problem("log." + entry.path("source").asText(),
                            entry.path("text").asText() + (url.isEmpty() ? "" : " (" + url + ")")));
                }
            }
            case "Page.javascriptDialogOpening" -> {
                dialogs.add(new Dialog(params.path("type").asText(), params.path("message").asText()));
                // Not awaited: this runs on the socket's receiving thread, which must carry the answer.
                send("Page.handleJavaScriptDialog", json.createObjectNode().put("accept", acceptDialogs))
                        .thenAccept(reply -> {
                            if (reply.has("error")) {
                                problems.add(new Problem("devtools", "cannot answer the dialog: " + reply.get("error")));
                            }
                        });
            }
            case "Page.loadEventFired" -> nextLoad.complete(null);
            default -> {
                // Other events (execution contexts, frames) say nothing about the page's health.
            }
        }
    }

    private void ended(String reason) {
        ended = closing ? "the page was closed" : reason;
        IllegalStateException failure = new IllegalStateException(ended);
        pending.values().forEach(answer -> answer.completeExceptionally(failure));
        pending.clear();
    }

    private static String describe(JsonNode exceptionDetails) {
        JsonNode exception = exceptionDetails.path("exception");
        String what = exception.hasNonNull("description") ? exception.get("description").asText()
                : exception.hasNonNull("value") ? exception.get("value").toString()
                : exceptionDetails.path("text").asText();
        String url = exceptionDetails.path("url").asText("");
        return what + (url.isEmpty() ? "" : " at " + url + ":" + (exceptionDetails.path("lineNumber").asInt() + 1));
    }

    private static String consoleText(JsonNode args) {
        List<String> parts = new ArrayList<>();
        for (JsonNode arg : args) {
            parts.add(arg.has("value") ? arg.get("value").asText() : arg.path("description").asText(arg.toString()));
        }
        return String.join(" ", parts);
    }

    // ------------------------------------------------------------------ stopping

    /** The browser's temporary directory (profile and log), for tests of this class. */
    Path home() {
        return home;
    }

    /** The browser's process, for tests of this class. */
    ProcessHandle browser() {
        return process.toHandle();
    }

    private String logTail() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() <= LOG_TAIL_CHARS ? text : "..." + text.substring(text.length() - LOG_TAIL_CHARS);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Ends the browser (its renderer and helper processes too) and removes its profile. */
    @Override
    public void close() {
        closing = true;
        // Children first listed, then the browser asked to end: once it has gone they are orphans no list finds.
        List<ProcessHandle> children = process.descendants().toList();
        if (socket != null) {
            socket.abort();
        }
        process.destroy();
        boolean exited = waitFor(process.toHandle());
        if (!exited) {
            process.destroyForcibly();
            exited = waitFor(process.toHandle());
        }
        for (ProcessHandle child : children) {
            if (!waitFor(child)) {
                child.destroyForcibly();
                waitFor(child);
            }
        }
        if (!exited) {
            throw new IllegalStateException("chromium (pid " + process.pid() + ") did not end; its profile stays in "
                    + home);
        }
        try {
            deleteTree(home);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove chromium's profile " + home, e);
        }
    }

    private static boolean waitFor(ProcessHandle handle) {
        try {
            handle.onExit().get(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        }
    }
}
