package dev.noexcuses.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SchemaRefTest {
    /** The shape as a regular expression: the reference every input must agree with. */
    private static final Pattern SHAPE =
            Pattern.compile("([a-zA-Z0-9][a-zA-Z0-9._-]*)/([a-zA-Z0-9][a-zA-Z0-9_-]*)/(\\d+)-(\\d+)-(\\d+)");

    private static Optional<SchemaRef> byPattern(String text) {
        Matcher m = SHAPE.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SchemaRef(m.group(1), m.group(2), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Test
    void readsEverySchemaReferenceAsTheShapesPatternDoes() {
        List<String> inputs = List.of("com.webshop/page_view/1-0-0", "a/b/0-0-0", "A-b_c.d/N-a_1/10-20-30",
                "9/9/2147483647-0-1", "com.webshop/page_view/2147483648-0-0", "com.webshop/page.view/1-0-0",
                ".com/page/1-0-0", "com/_page/1-0-0", "com//1-0-0", "/page/1-0-0", "com/page/1-0", "com/page/1-0-0-0",
                "com/page/1--0", "com/page/-1-0-0", "com/page/1-0-0/", "com/page/x/1-0-0", "com/page/1-0-0\n",
                "com/page/١-0-0", "cöm/page/1-0-0", "com/page/01-002-0003", "com/page/ 1-0-0", "", "com/page",
                "com/page/1-0-0 ", "com/pa ge/1-0-0");

        for (String input : inputs) {
            assertThat(SchemaRef.parse(input)).as(input).isEqualTo(byPattern(input));
        }
        assertThat(SchemaRef.parse("com.webshop/page_view/1-2-3"))
                .contains(new SchemaRef("com.webshop", "page_view", 1, 2, 3));
        assertThat(SchemaRef.parse(null)).isEmpty();
    }
}
