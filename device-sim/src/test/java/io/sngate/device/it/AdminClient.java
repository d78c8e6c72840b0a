package io.sngate.device.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plain HTTP client of the gateway's admin server (gateway's own test helper of that kind is
 * package-private there): answers with their status, body and content type.
 */
public final class AdminClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One answer; {@link #json()} fails naming the body when it is not JSON. */
    public record Answer(int status, String body, String contentType) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** The client ids of a {@code /api/clients} page, in its order. */
        public List<String> clientIds() {
            List<String> ids = new ArrayList<>();
            json().get("clients").forEach(c -> ids.add(c.get("clientId").asText()));
            return ids;
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public AdminClient(String base) {
        this.base = base;
    }

    public Answer get(String path) {
        return send("GET", path);
    }

    public Answer delete(String path) {
        return send("DELETE", path);
    }

    public Answer post(String path) {
        return send("POST", path);
    }

    private Answer send(String method, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during " + method + " " + path, e);
        }
    }

    /**
     * The value of one series in a Prometheus text exposition, e.g.
     * {@code sngate_sessions{link="serial",state="active"}}; empty when the series is not there.
     */
    public static OptionalDouble sample(String exposition, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
        return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
    }
}
