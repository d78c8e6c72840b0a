package io.sngate.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sngate.gateway.upstream.BrokerReachability;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.GatewaySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server ({@code admin.port}): the JSON API under {@code /api}, {@code /metrics},
 * {@code /health}, {@code /ready} and the status page at {@code /}.
 *
 * <p>It is the JDK's small HTTP server on two threads of its own, never a session's event loop:
 * a request that needs session state asks the session's loop for a snapshot and waits for it
 * here, with a deadline ({@link #LOOP_TIMEOUT}), so a slow admin client never holds up devices.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** How long a request waits for the sessions' event loops to answer. */
    static final Duration LOOP_TIMEOUT = Duration.ofSeconds(3);
    /** Requests waiting for a thread at most: beyond, they are refused with 503 instead of piling up. */
    private static final int MAX_WAITING = 64;
    private static final String STATIC_ROOT = "/io/sngate/gateway/admin/static/";
    private static final Map<String, String> STATIC_FILES = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");

    private final HttpServer server;
    private final ExecutorService executor;
    // Set by serve(), before the server's threads start.
    private AdminAccess gateway;
    private PrometheusExport prometheus;
    /** The bearer token every path but /health needs, or null when admin.token-file is not set. */
    private final byte[] token;
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance))
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private AdminServer(HttpServer server, ExecutorService executor, byte[] token) {
        this.server = server;
        this.executor = executor;
        this.token = token;
    }

    /**
     * Reads the token and binds {@code bind}:{@code port} (0 picks a free port), without serving
     * yet: the gateway does this before it starts anything else, so that a setting that cannot
     * be used stops the start at once, and serves once everything runs ({@link #serve}).
     *
     * @param tokenFile admin.token-file, or blank for none
     * @throws ConfigError naming admin.token-file, admin.bind or admin.port when they cannot be used
     */
    public static AdminServer open(String bind, int port, String tokenFile) throws ConfigError {
        byte[] token = tokenFile.isBlank() ? null : readToken(Path.of(tokenFile));
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        } catch (java.net.BindException e) {
            if (new InetSocketAddress(bind, 0).isUnresolved() || !isLocal(bind)) {
                throw new ConfigError(GatewaySettings.ADMIN_BIND.path(), "'" + bind + "' is no address of this "
                        + "machine: " + e.getMessage());
            }
            throw new ConfigError(GatewaySettings.ADMIN_PORT.path(), "cannot listen on " + bind + ":" + port + ": "
                    + e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            // A name that does not resolve fails here (a SocketException), not as a BindException.
            throw new ConfigError(GatewaySettings.ADMIN_BIND.path(), "cannot listen on '" + bind + "' port " + port
                    + ": " + e.getMessage());
        }
        ExecutorService executor = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_WAITING), new DefaultThreadFactory("sngate-admin", true),
                new ThreadPoolExecutor.AbortPolicy());
        server.setExecutor(executor);
        return new AdminServer(server, executor, token);
    }

    /** Starts answering requests about {@code running}. */
    public void serve(AdminAccess running) {
        this.gateway = running;
        this.prometheus = new PrometheusExport(running);
        server.createContext("/", this::handle);
        server.start();
    }

    private static boolean isLocal(String bind) {
        try {
            java.net.InetAddress address = java.net.InetAddress.getByName(bind);
            return address.isAnyLocalAddress() || address.isLoopbackAddress()
                    || java.net.NetworkInterface.getByInetAddress(address) != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] readToken(Path file) throws ConfigError {
        String key = GatewaySettings.ADMIN_TOKEN_FILE.path();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigError(key, "cannot read " + file + ": " + e);
        }
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
        }
        if (text.isBlank()) {
            throw new ConfigError(key, file + " is empty: an empty token would let anyone in");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where the server listens, for the log and tests: http://HOST:PORT. */
    public String url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ routing

    /** An answer that ends a request early: a status and a JSON reason. */
    private static final class HttpError extends Exception {
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            try {
                // The page's files hold no data (what it shows comes from /api, which asks for
                // the token); a browser cannot send a bearer token when it opens a page.
                if (!path.equals("/health") && !STATIC_FILES.containsKey(path) && !authorized(exchange)) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"sngate\"");
                    throw new HttpError(401, "this path needs 'Authorization: Bearer <token>' (admin.token-file)");
                }
                route(exchange, method, path);
            } catch (HttpError e) {
                sendJson(exchange, e.status, Map.of("error", e.getMessage()));
            } catch (ClientsQuery.BadParameter e) {
                sendJson(exchange, 400, Map.of("error", e.getMessage(), "parameter", e.parameter()));
            } catch (RuntimeException e) {
                LOG.warn("admin API {} {} failed", method, path, e);
                sendJson(exchange, 500, Map.of("error", String.valueOf(e)));
            }
        }
    }

    private boolean authorized(HttpExchange exchange) {
        if (token == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token); // constant time: no guessing the token byte by byte
    }

    private void route(HttpExchange exchange, String method, String path) throws IOException, HttpError {
        if (path.equals("/health")) {
            only(method, "GET");
            sendJson(exchange, 200, Map.of("status", "alive"));
        } else if (path.equals("/ready")) {
            only(method, "GET");
            ready(exchange);
        } else if (path.equals("/metrics")) {
            only(method, "GET");
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                    prometheus.scrape().getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/api/gateway")) {
            only(method, "GET");
            sendJson(exchange, 200, gatewayJson());
        } else if (path.equals("/api/clients")) {
            only(method, "GET");
            sendJson(exchange, 200, clients(ClientsQuery.parse(queryParams(exchange))));
        } else if (path.startsWith("/api/clients/") && path.length() > "/api/clients/".length()) {
            // getPath() has decoded %2F: a client id with slashes is the whole rest of the path.
            String clientId = path.substring("/api/clients/".length());
            if (method.equals("DELETE")) {
                kick(exchange, clientId);
            } else {
                only(method, "GET", "DELETE");
                CompletableFuture<ClientSnapshot> snapshot = gateway.snapshot(clientId)
                        .orElseThrow(() -> noClient(clientId));
                sendJson(exchange, 200, await(snapshot));
            }
        } else if (path.equals("/api/topics/predefined")) {
            only(method, "GET");
            sendJson(exchange, 200, Map.of("gateway", topicList(gateway.predefinedTopics()),
                    "clients", perClient()));
        } else if (path.equals("/api/reload")) {
            only(method, "POST");
            boolean reloaded = gateway.reload();
            sendJson(exchange, reloaded ? 200 : 409, Map.of("reloaded", reloaded,
                    "detail", reloaded ? "devices file reloaded" : "nothing reloaded: no devices.file, or it did not"
                            + " load (the log says why; the previous one stays in force)"));
        } else if (STATIC_FILES.containsKey(path)) {
            only(method, "GET");
            staticFile(exchange, STATIC_FILES.get(path));
        } else {
            throw new HttpError(404, "no such path: " + path);
        }
    }

    private static void only(String method, String... allowed) throws HttpError {
        for (String each : allowed) {
            if (each.equals(method)) {
                return;
            }
        }
        throw new HttpError(405, method + " is not allowed here (" + String.join(", ", allowed) + ")");
    }

    private static HttpError noClient(String clientId) {
        return new HttpError(404, "no session with client id '" + clientId + "'");
    }

    // ------------------------------------------------------------------ endpoints

    private void ready(HttpExchange exchange) throws IOException {
        BrokerReachability.Status broker = gateway.broker();
        String uri = gateway.info().brokerUri();
        if (!gateway.listening()) {
            sendJson(exchange, 503, Map.of("ready", false, "reason", "the transports are not listening yet"));
        } else if (!broker.reachable()) {
            sendJson(exchange, 503, Map.of("ready", false, "reason", "broker " + uri + " not reachable: "
                    + broker.detail(), "broker", uri));
        } else {
            sendJson(exchange, 200, Map.of("ready", true, "broker", uri));
        }
    }

    private Map<String, Object> gatewayJson() {
        GatewayInfo info = gateway.info();
        BrokerReachability.Status broker = gateway.broker();
        List<ClientSummary> clients = gateway.clients();
        Map<String, Integer> byState = new java.util.TreeMap<>();
        clients.forEach(c -> byState.merge(c.state(), 1, Integer::sum));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", info.version());
        body.put("startedAt", info.startedAt());
        body.put("uptimeSeconds", Duration.between(info.startedAt(), Instant.now()).toSeconds());
        body.put("mode", info.mode());
        body.put("udpPort", info.udpPort());
        body.put("dtlsPort", info.dtlsPort());
        body.put("transports", info.transports());
        Map<String, Object> brokerJson = new LinkedHashMap<>();
        brokerJson.put("uri", info.brokerUri());
        brokerJson.put("embedded", info.embeddedBroker());
        brokerJson.put("reachable", broker.reachable());
        brokerJson.put("detail", broker.detail());
        body.put("broker", brokerJson);
        body.put("limits", new java.util.TreeMap<>(info.limits()));
        body.put("sessions", clients.size());
        body.put("sessionsByState", byState);
        body.put("counters", gateway.metrics().snapshot());
        return body;
    }

    private Map<String, Object> clients(ClientsQuery query) throws HttpError {
        ClientsQuery.Page page = query.apply(gateway.clients());
        List<CompletableFuture<ClientSnapshot>> pending = new ArrayList<>();
        for (ClientSummary client : page.clients()) {
            gateway.snapshot(client.clientId()).ifPresent(pending::add);
        }
        awaitAll(pending);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (CompletableFuture<ClientSnapshot> each : pending) {
            ClientSnapshot c = each.join();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("clientId", c.clientId());
            row.put("state", c.state());
            row.put("link", c.link());
            row.put("address", c.address());
            row.put("keepAliveSeconds", c.keepAliveSeconds());
            row.put("connectedAt", c.connectedAt());
            row.put("connectedSeconds", c.connectedSeconds());
            row.put("lastSeen", c.lastSeen());
            row.put("lastSeenSecondsAgo", c.lastSeenSecondsAgo());
            row.put("queued", c.queued());
            row.put("topics", c.topics().size());
            row.put("upstream", c.upstream());
            rows.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", page.total());
        body.put("offset", page.offset());
        body.put("limit", page.limit());
        body.put("clients", rows);
        return body;
    }

    private void kick(HttpExchange exchange, String clientId) throws IOException, HttpError {
        CompletableFuture<Boolean> kicked = gateway.kick(clientId).orElseThrow(() -> noClient(clientId));
        if (!await(kicked)) {
            throw noClient(clientId); // it ended on its own meanwhile
        }
        LOG.info("client {} disconnected through the admin API", clientId);
        sendJson(exchange, 200, Map.of("clientId", clientId, "disconnected", true));
    }

    private Map<String, Object> perClient() {
        Map<String, Object> clients = new java.util.TreeMap<>();
        gateway.perClientPredefinedTopics().forEach((id, topics) -> clients.put(id, topicList(topics)));
        return clients;
    }

    private static List<Map<String, Object>> topicList(Map<Integer, String> topics) {
        List<Map<String, Object>> list = new ArrayList<>();
        new java.util.TreeMap<>(topics).forEach((id, name) -> list.add(Map.of("id", id, "name", name)));
        return list;
    }

    private void staticFile(HttpExchange exchange, String name) throws IOException, HttpError {
        try (InputStream in = AdminServer.class.getResourceAsStream(STATIC_ROOT + name)) {
            if (in == null) {
                throw new HttpError(500, name + " is missing from the jar");
            }
            String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                    : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            send(exchange, 200, type, in.readAllBytes());
        }
    }

    // ------------------------------------------------------------------ plumbing

    private static <T> T await(CompletableFuture<T> future) throws HttpError {
        awaitAll(List.of(future));
        return future.join();
    }

    private static void awaitAll(List<? extends CompletableFuture<?>> futures) throws HttpError {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(LOOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new HttpError(503, "the sessions' event loops did not answer within " + LOOP_TIMEOUT.toSeconds()
                    + " s");
        } catch (ExecutionException e) {
            throw new HttpError(500, "reading the session failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted");
        }
    }

    private static Map<String, String> queryParams(HttpExchange exchange) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(name, value);
        }
        return params;
    }

    private void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IOException("cannot write JSON: " + e.getMessage(), e);
        }
        send(exchange, status, "application/json", bytes);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
