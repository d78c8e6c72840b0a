package io.sngate.sim;

/**
 * The little JSON that sub's -F needs: quoting a string, and telling whether a payload is a
 * JSON text (RFC 8259) before %J puts it in unquoted.
 */
final class JsonText {

    /** Deeper nesting is refused rather than risking the stack on a hostile payload. */
    private static final int MAX_DEPTH = 512;

    private final String text;
    private int at;

    private JsonText(String text) {
        this.text = text;
    }

    /** {@code value} as a JSON string, quotes included. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Whether {@code text} is exactly one JSON value, with white space around it allowed. */
    static boolean isValid(String text) {
        JsonText parser = new JsonText(text);
        try {
            parser.skipSpace();
            parser.value(0);
            parser.skipSpace();
            return parser.at == text.length();
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private void value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("nested too deep");
        }
        char c = peek();
        switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> word("true");
            case 'f' -> word("false");
            case 'n' -> word("null");
            default -> number();
        }
    }

    private void object(int depth) {
        at++;
        skipSpace();
        if (peek() == '}') {
            at++;
            return;
        }
        while (true) {
            skipSpace();
            string();
            skipSpace();
            expect(':');
            skipSpace();
            value(depth + 1);
            skipSpace();
            if (peek() == ',') {
                at++;
            } else {
                expect('}');
                return;
            }
        }
    }

    private void array(int depth) {
        at++;
        skipSpace();
        if (peek() == ']') {
            at++;
            return;
        }
        while (true) {
            skipSpace();
            value(depth + 1);
            skipSpace();
            if (peek() == ',') {
                at++;
            } else {
                expect(']');
                return;
            }
        }
    }

    private void string() {
        expect('"');
        while (true) {
            char c = next();
            if (c == '"') {
                return;
            }
            if (c < 0x20) {
                throw new IllegalStateException("control character in a string");
            }
            if (c == '\\') {
                char escaped = next();
                if (escaped == 'u') {
                    for (int i = 0; i < 4; i++) {
                        if (Character.digit(next(), 16) < 0) {
                            throw new IllegalStateException("bad \\u escape");
                        }
                    }
                } else if ("\"\\/bfnrt".indexOf(escaped) < 0) {
                    throw new IllegalStateException("bad escape");
                }
            }
        }
    }

    private void number() {
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
        } else {
            digits();
        }
        if (at < text.length() && text.charAt(at) == '.') {
            at++;
            digits();
        }
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            digits();
        }
    }

    private void digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        if (at == start) {
            throw new IllegalStateException("digit expected");
        }
    }

    private void word(String word) {
        if (!text.startsWith(word, at)) {
            throw new IllegalStateException(word + " expected");
        }
        at += word.length();
    }

    private void expect(char c) {
        if (next() != c) {
            throw new IllegalStateException(c + " expected");
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw new IllegalStateException("unexpected end");
        }
        return text.charAt(at);
    }

    private char next() {
        char c = peek();
        at++;
        return c;
    }

    private void skipSpace() {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
    }
}
