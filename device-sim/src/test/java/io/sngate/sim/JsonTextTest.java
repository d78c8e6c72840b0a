package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON check behind sub -F %J, against Jackson's reading of the same texts. */
class JsonTextTest {

    static final ObjectMapper JACKSON = new ObjectMapper();

    @Test
    void valuesJsonAccepts() {
        for (String text : List.of("{}", "[]", " {\"a\": [1, -2.5e3, 0.0, true, false, null, \"x\\u00e9\\n\"]} ",
                "\"just a string\"", "42", "-0", "1E+2", "[[[{\"deep\": {}}]]]")) {
            assertThat(JsonText.isValid(text)).as(text).isTrue();
        }
    }

    @Test
    void textsThatAreNotJson() {
        for (String text : List.of("", "hello", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru",
                "\"unterminated", "\"bad \\x escape\"", "[1] [2]", "{a: 1}", "\"tab\tinside\"", "1 2")) {
            assertThat(JsonText.isValid(text)).as(text).isFalse();
        }
    }

    @Test
    void aQuotedStringReadsBackAsItself() throws Exception {
        String awkward = "quote \" backslash \\ newline \n tab \t bell \u0007 é";
        assertThat(JACKSON.readValue(JsonText.quote(awkward), String.class)).isEqualTo(awkward);
    }

    @Test
    void nestingBeyondTheLimitIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThat(JsonText.isValid(deep)).isFalse();
    }
}
