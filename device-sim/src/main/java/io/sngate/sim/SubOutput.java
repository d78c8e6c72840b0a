package io.sngate.sim;

import io.sngate.client.MqttSnClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * How sub prints a message: the payload; {@code topic payload} with -v; or -F's format, with
 * mosquitto_sub's specifiers where an MQTT-SN message has the field. A newline follows each
 * message unless -N.
 *
 * <p>Specifiers: {@code %t} topic, {@code %p} payload, {@code %q} QoS, {@code %r} retain (0 or
 * 1), {@code %l} payload length, {@code %x}/{@code %X} payload in lower/upper-case hex,
 * {@code %I} ISO 8601 local time, {@code %U} Unix time with nanoseconds, {@code %j} JSON with
 * the payload as a string (an array of byte values if it is not UTF-8), {@code %J} JSON with the
 * payload as it is (it must be JSON), {@code %%} a percent sign; escapes {@code \n \t \r \a \e
 * \v \0 \\}. mosquitto's MQTT 5 properties, its message id, field widths and @-time fields have
 * nothing to show in MQTT-SN and are refused.
 */
final class SubOutput {

    /** What -F takes, for its help and for the error about anything else. */
    static final String SPECIFIERS = "%t %p %q %r %l %x %X %I %U %j %J %%";

    private static final DateTimeFormatter ISO_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx");
    private static final DateTimeFormatter ISO_MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    /** A %J payload that is not JSON: reported, and the message is not printed. */
    static final class NotJson extends Exception {
        private static final long serialVersionUID = 1L;

        NotJson(String topic) {
            super("payload is not valid JSON on topic " + topic + " (-F %J): message not printed");
        }
    }

    /** One piece of a format: text as it is, or a field of the message. */
    private sealed interface Part {
    }

    private record Text(byte[] bytes) implements Part {
    }

    private record Field(char specifier) implements Part {
    }

    private final List<Part> parts;
    private final boolean newline;

    private SubOutput(List<Part> parts, boolean newline) {
        this.parts = parts;
        this.newline = newline;
    }

    /**
     * @param format  -F's value, if given
     * @param verbose -v, when there is no format
     * @param newline false with -N
     * @throws IllegalArgumentException naming what in the format cannot be printed
     */
    static SubOutput of(Optional<String> format, boolean verbose, boolean newline) {
        if (format.isPresent()) {
            return new SubOutput(parse(format.get()), newline);
        }
        return new SubOutput(verbose ? List.of(new Field('t'), new Text(new byte[] {' '}), new Field('p'))
                : List.of(new Field('p')), newline);
    }

    private static List<Part> parse(String format) {
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' && c != '\\') {
                text.append(c);
                continue;
            }
            if (i + 1 == format.length()) {
                throw new IllegalArgumentException("'" + c + "' at the end of the format: write " + c + c
                        + " for the character itself");
            }
            char next = format.charAt(++i);
            if (c == '\\') {
                text.append(escape(next));
            } else if (next == '%') {
                text.append('%');
            } else if ("tpqrlxXIUjJ".indexOf(next) >= 0) {
                flush(text, parts);
                parts.add(new Field(next));
            } else if (Character.isDigit(next) || next == '-' || next == '.') {
                throw new IllegalArgumentException("field widths and precisions (%" + next + "...) are not "
                        + "supported; the specifiers are " + SPECIFIERS);
            } else {
                throw new IllegalArgumentException("%" + next + " is not a specifier an MQTT-SN message can fill; "
                        + "the specifiers are " + SPECIFIERS);
            }
        }
        flush(text, parts);
        return List.copyOf(parts);
    }

    private static char escape(char c) {
        return switch (c) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'a' -> '\u0007';
            case 'e' -> '\u001b';
            case 'v' -> '\u000b';
            case '0' -> '\0';
            case '\\' -> '\\';
            default -> throw new IllegalArgumentException("\\" + c + " is not an escape; the escapes are "
                    + "\\n \\t \\r \\a \\e \\v \\0 \\\\");
        };
    }

    private static void flush(StringBuilder text, List<Part> parts) {
        if (!text.isEmpty()) {
            parts.add(new Text(text.toString().getBytes(StandardCharsets.UTF_8)));
            text.setLength(0);
        }
    }

    /** The bytes to print for {@code message}, which arrived at {@code at}. */
    byte[] render(MqttSnClient.Message message, ZonedDateTime at) throws NotJson {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] payload = message.payload().toArray();
        for (Part part : parts) {
            if (part instanceof Text text) {
                out.writeBytes(text.bytes());
            } else if (part instanceof Field field) {
                out.writeBytes(field(field.specifier(), message, payload, at));
            }
        }
        if (newline) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static byte[] field(char specifier, MqttSnClient.Message message, byte[] payload, ZonedDateTime at)
            throws NotJson {
        return switch (specifier) {
            case 't' -> utf8(message.topic());
            case 'p' -> payload;
            case 'q' -> utf8(Integer.toString(message.qos().level()));
            case 'r' -> utf8(message.retain() ? "1" : "0");
            case 'l' -> utf8(Integer.toString(payload.length));
            case 'x' -> utf8(HexFormat.of().formatHex(payload));
            case 'X' -> utf8(HexFormat.of().withUpperCase().formatHex(payload));
            case 'I' -> utf8(ISO_SECONDS.format(at));
            case 'U' -> utf8(at.toEpochSecond() + "." + String.format("%09d", at.getNano()));
            case 'j' -> utf8(json(message, payload, at, quotedPayload(payload)));
            case 'J' -> {
                Optional<String> text = decodeUtf8(payload);
                if (text.isEmpty() || !JsonText.isValid(text.get())) {
                    throw new NotJson(message.topic());
                }
                yield utf8(json(message, payload, at, text.get()));
            }
            default -> throw new IllegalStateException("no such specifier: " + specifier);
        };
    }

    private static String json(MqttSnClient.Message message, byte[] payload, ZonedDateTime at, String payloadJson) {
        return "{\"tst\":" + JsonText.quote(ISO_MICROS.format(at))
                + ",\"topic\":" + JsonText.quote(message.topic())
                + ",\"qos\":" + message.qos().level()
                + ",\"retain\":" + (message.retain() ? 1 : 0)
                + ",\"payloadlen\":" + payload.length
                + ",\"payload\":" + payloadJson + "}";
    }

    /** A UTF-8 payload as a JSON string; anything else as an array of its byte values. */
    private static String quotedPayload(byte[] payload) {
        Optional<String> text = decodeUtf8(payload);
        if (text.isPresent()) {
            return JsonText.quote(text.get());
        }
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < payload.length; i++) {
            array.append(i == 0 ? "" : ",").append(payload[i] & 0xFF);
        }
        return array.append(']').toString();
    }

    private static Optional<String> decodeUtf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
