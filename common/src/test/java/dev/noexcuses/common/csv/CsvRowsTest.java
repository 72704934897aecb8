package dev.noexcuses.common.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvRowsTest {

    @Test
    void readsQuotedFieldsWithCommasDoubledQuotesAndLineBreaksAndSaysWhereEachRowStarts() {
        String csv = "id,name,note\n"
                + "1,plain,\"a, b\"\n"
                + "\n"
                + "2,\"say \"\"hi\"\"\",\"first line\nsecond line\"\n"
                + "3,last,\n";
        CsvRows rows = CsvRows.read(new StringReader(csv));
        assertThat(rows.next()).contains(new CsvRows.Row(1, List.of("id", "name", "note")));
        assertThat(rows.next()).contains(new CsvRows.Row(2, List.of("1", "plain", "a, b")));
        assertThat(rows.next()).contains(new CsvRows.Row(4, List.of("2", "say \"hi\"", "first line\nsecond line")));
        assertThat(rows.next()).contains(new CsvRows.Row(6, List.of("3", "last", "")));
        assertThat(rows.next()).isEmpty();
    }

    @Test
    void anUnterminatedQuoteIsAnErrorNamingItsLine() {
        CsvRows rows = CsvRows.read(new StringReader("a,b\n1,\"open\n"));
        rows.next();
        assertThatThrownBy(rows::next).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid CSV at line 2");
    }
}
