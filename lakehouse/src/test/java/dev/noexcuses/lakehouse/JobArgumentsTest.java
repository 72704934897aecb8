package dev.noexcuses.lakehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arguments every job JVM is started with: what a wrong one is told, and what a right one becomes. */
class JobArgumentsTest {
    private static final List<String> COMMANDS = List.of("build", "training-set", "materialize");

    @Test
    void aMissingUnknownOrMalformedArgumentIsNamedInTheError() {
        assertThatThrownBy(() -> JobArguments.parse(new String[] {"--date", "2031-01-01"}, COMMANDS))
                .hasMessage("Missing the command: build, training-set or materialize");
        assertThatThrownBy(() -> JobArguments.parse(new String[] {"biuld"}, COMMANDS))
                .hasMessage("Unknown command 'biuld': expected build, training-set or materialize");
        assertThatThrownBy(() -> JobArguments.parse(new String[] {"biuld"}, List.of("host")))
                .hasMessage("Unknown command 'biuld': expected host");
        assertThatThrownBy(() -> JobArguments.parse(new String[] {"build", "--date"}, COMMANDS))
                .hasMessage("Invalid argument: --date, expected --name value");
        assertThatThrownBy(() -> JobArguments.parse(new String[] {"build", "date", "2031-01-01"}, COMMANDS))
                .hasMessage("Invalid argument: date, expected --name value");
        JobArguments a = JobArguments.parse(new String[] {"build", "--conf", "spark.x", "--from", "2031-01-03",
                "--to", "2031-01-01"}, COMMANDS);
        assertThatThrownBy(() -> a.pairs("conf")).hasMessage("Invalid --conf spark.x, expected key=value");
        assertThatThrownBy(a::days).hasMessage("Invalid range: --to 2031-01-01 is before --from 2031-01-03");
        assertThatThrownBy(() -> a.required("warehouse")).hasMessage("Missing --warehouse");
        assertThatThrownBy(() -> JobArguments.parse(new String[] {"build", "--date", "2031-02-30"}, COMMANDS).days())
                .hasMessage("Invalid date: 2031-02-30, expected YYYY-MM-DD");
    }

    @Test
    void repeatedOptionsKeepEveryValueAndTheLakeSettingsTakeTheirSecretsFromTheEnvironment() {
        JobArguments a = JobArguments.parse(new String[] {"training-set", "--catalog-uri", "jdbc:postgresql://db/lake",
                "--warehouse", "s3://lake/warehouse", "--conf", "spark.a=1", "--conf", "spark.b=x=y", "--param",
                "max_depth=6", "--from", "2031-01-30", "--to", "2031-02-02", "--views", "a", "--views", "b"}, COMMANDS);
        assertThat(a.command()).isEqualTo("training-set");
        assertThat(a.value("views", "")).isEqualTo("b");
        assertThat(a.value("labels", "none")).isEqualTo("none");
        assertThat(a.has("date")).isFalse();
        assertThat(a.pairs("param")).containsExactly(Map.entry("max_depth", "6"));
        assertThat(a.days()).containsExactly(LocalDate.parse("2031-01-30"), LocalDate.parse("2031-01-31"),
                LocalDate.parse("2031-02-01"), LocalDate.parse("2031-02-02"));
        JobSettings settings = a.settings(Map.of(JobSettings.CATALOG_PASSWORD_ENV, "pg-secret",
                JobSettings.S3_SECRET_KEY_ENV, "s3-secret"));
        assertThat(settings.catalogUri()).isEqualTo("jdbc:postgresql://db/lake");
        assertThat(settings.catalogPassword()).isEqualTo("pg-secret");
        assertThat(settings.s3SecretKey()).isEqualTo("s3-secret");
        assertThat(settings.s3AccessKey()).isEmpty();
        assertThat(settings.master()).isEqualTo("local[*]");
        assertThat(settings.sparkConf()).isEqualTo(Map.of("spark.a", "1", "spark.b", "x=y"));
    }
}
