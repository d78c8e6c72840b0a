package io.sngate.gateway.it;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sngate.gateway.testing.ChromiumPage;
import java.util.List;
import java.util.Map;

/**
 * What the open status page shows now, read from its live DOM by the element ids and data
 * attributes the page keeps for this (the clients table by its column headings, as a reader sees it).
 */
final class StatusPageDom {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChromiumPage page;

    StatusPageDom(ChromiumPage page) {
        this.page = page;
    }

    /** True once the page rendered a complete refresh. */
    boolean loaded() {
        return page.evaluate("document.body.dataset.loaded === 'true'").asBoolean();
    }

    /** The clients table: each row's cells by column heading, rows by client id. */
    Map<String, Map<String, String>> clients() {
        return convert(page.evaluate("""
                (() => {
                  const headings = [...document.querySelectorAll('#clients thead th')].map(th => th.textContent);
                  return Object.fromEntries([...document.querySelectorAll('#clients tbody tr.client')].map(row =>
                    [row.dataset.clientId, Object.fromEntries([...row.cells].map((cell, i) => [headings[i], cell.textContent]))]));
                })()"""), new TypeReference<>() { });
    }

    /** Each row's state as its data-state attribute says, by client id. */
    Map<String, String> states() {
        return convert(page.evaluate("Object.fromEntries([...document.querySelectorAll('#clients tbody tr.client')]"
                + ".map(row => [row.dataset.clientId, row.dataset.state]))"), new TypeReference<>() { });
    }

    /** The client ids of the rows marked as the one shown in detail. */
    List<String> selectedRows() {
        return convert(page.evaluate("[...document.querySelectorAll('#clients tbody tr.client.selected')]"
                + ".map(row => row.dataset.clientId)"), new TypeReference<>() { });
    }

    String clientCount() {
        return text("#client-count");
    }

    /** Clicks the clients table's row of {@code clientId}, as a reader would to see its detail. */
    void clickClient(String clientId) {
        page.evaluate("document.querySelector('#clients tbody tr.client[data-client-id=\"" + clientId + "\"]').click()");
    }

    /** The client in the detail section, or null while the section is hidden. */
    String detailClient() {
        return page.evaluate("document.getElementById('client-detail').hidden ? null"
                + " : document.getElementById('detail-id').textContent").textValue();
    }

    /** True while the detail says its client has no session any more. */
    boolean detailGone() {
        return !page.evaluate("document.getElementById('detail-gone').hidden").asBoolean();
    }

    /** The detail's facts (State, Link, Queued...) by name. */
    Map<String, String> detailFacts() {
        return definitions("#detail-facts");
    }

    /** The detail's counter {@code name}, or null when the detail shows none of that name. */
    Long detailCounter(String name) {
        return number("#detail-counters dd[data-counter=\"" + name + "\"]");
    }

    /** The detail's topic registry: the topic names, in the table's order. */
    List<String> detailTopics() {
        return convert(page.evaluate("[...document.querySelectorAll('#detail-topics tbody tr')]"
                + ".map(row => row.cells[1].textContent)"), new TypeReference<>() { });
    }

    /** The gateway's counter {@code name} in the counters table, or null when it has no row. */
    Long gatewayCounter(String name) {
        return number("#counters tr[data-counter=\"" + name + "\"] td:last-child");
    }

    /** The gateway section's facts by name (the per-state session counts without their indent). */
    Map<String, String> gatewayFacts() {
        return definitions("#gateway-facts");
    }

    /** The broker pill's text and its class (up or down). */
    String broker() {
        return page.evaluate("(() => { const pill = document.getElementById('broker');"
                + " return pill.className + ': ' + pill.textContent; })()").textValue();
    }

    /** The text of the element {@code selector} names; fails when there is none. */
    String text(String selector) {
        JsonNode value = page.evaluate("document.querySelector('" + selector + "')?.textContent ?? null");
        if (value.isNull()) {
            throw new AssertionError("the page has no element " + selector);
        }
        return value.textValue();
    }

    /** True while the element {@code selector} names is hidden. */
    boolean hidden(String selector) {
        return page.evaluate("document.querySelector('" + selector + "').hidden").asBoolean();
    }

    private Long number(String selector) {
        JsonNode value = page.evaluate("document.querySelector('" + selector + "')?.textContent ?? null");
        if (value.isNull()) {
            return null;
        }
        String text = value.textValue();
        if (!text.matches("\\d+")) {
            throw new AssertionError(selector + " shows '" + text + "', not a count");
        }
        return Long.parseLong(text);
    }

    private Map<String, String> definitions(String list) {
        return convert(page.evaluate("Object.fromEntries([...document.querySelectorAll('" + list + " dt')]"
                + ".map(dt => [dt.textContent.trim(), dt.nextElementSibling.textContent]))"), new TypeReference<>() { });
    }

    private static <T> T convert(JsonNode value, TypeReference<T> type) {
        return JSON.convertValue(value, type);
    }
}
