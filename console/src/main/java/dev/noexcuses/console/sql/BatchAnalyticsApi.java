package dev.noexcuses.console.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.web.JsonResponses;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Batch analytics over the curated lake tables, through Trino's JDBC driver as any SQL client would:
 * daily KPIs, the purchase funnel, revenue by product and category, retention by signup week. Each
 * panel is its own query, so one missing table does not hide the others.
 */
public final class BatchAnalyticsApi {
    /** Panel name to SQL. Table and column names are the lake contract (DESIGN.md). */
    static final Map<String, String> PANELS = panels();

    private final String jdbcUrl;
    private final String user;

    public BatchAnalyticsApi(String jdbcUrl, String user) {
        this.jdbcUrl = jdbcUrl == null ? "" : jdbcUrl;
        this.user = user;
    }

    private static Map<String, String> panels() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("daily_kpis", "SELECT * FROM curated.daily_kpis ORDER BY 1 DESC LIMIT 90");
        p.put("funnel", """
                SELECT event_type AS step, count(DISTINCT session_id) AS sessions
                FROM curated.events
                WHERE event_type IN ('page_view', 'product_view', 'add_to_cart', 'checkout', 'purchase')
                GROUP BY event_type""");
        p.put("revenue_by_product", """
                SELECT i.product_id, max(p.name) AS name, max(coalesce(p.category, i.product_category)) AS category,
                       sum(i.quantity) AS quantity, sum(i.line_value) AS revenue
                FROM curated.fact_order_items i LEFT JOIN curated.dim_products p ON i.product_id = p.product_id
                GROUP BY i.product_id ORDER BY revenue DESC LIMIT 15""");
        p.put("revenue_by_category", """
                SELECT coalesce(i.product_category, 'unknown') AS category, sum(i.line_value) AS revenue,
                       count(DISTINCT i.order_id) AS orders
                FROM curated.fact_order_items i GROUP BY 1 ORDER BY revenue DESC""");
        // Cohorts by the week of a user's signup event; activity by the weeks they had sessions.
        p.put("retention", """
                WITH cohort AS (
                  SELECT user_key, date_trunc('week', min(event_date)) AS signup_week FROM curated.events
                  WHERE event_type = 'signup' AND user_key IS NOT NULL GROUP BY user_key),
                activity AS (
                  SELECT DISTINCT user_key, date_trunc('week', event_date) AS active_week FROM curated.sessions
                  WHERE user_key IS NOT NULL)
                SELECT cast(c.signup_week AS varchar) AS signup_week,
                       date_diff('week', c.signup_week, a.active_week) AS week,
                       count(DISTINCT a.user_key) AS users
                FROM cohort c JOIN activity a ON a.user_key = c.user_key AND a.active_week >= c.signup_week
                GROUP BY 1, 2 ORDER BY 1, 2""");
        return java.util.Collections.unmodifiableMap(p);
    }

    @Get("/api/batch")
    @Blocking
    public HttpResponse batch() {
        ObjectNode out = JsonResponses.object();
        if (jdbcUrl.isBlank()) {
            return JsonResponses.ok(out.put("available", false)
                    .put("reason", "Trino is not configured for the console (console.trino.jdbc-url is empty), so the "
                            + "curated lake tables cannot be queried.")
                    .put("fix", "Start the platform with Trino (./platform up starts it when a JDK 24+ is found; see "
                            + "docs/querying.md), or point console.trino.jdbc-url at your Trino, e.g. "
                            + "jdbc:trino://trino:8080/iceberg."));
        }
        Properties props = new Properties();
        props.put("user", user);
        try (Connection connection = DriverManager.getConnection(jdbcUrl, props)) {
            out.put("available", true).put("trino", jdbcUrl);
            ObjectNode panels = out.putObject("panels");
            for (Map.Entry<String, String> panel : PANELS.entrySet()) {
                panels.set(panel.getKey(), query(connection, panel.getValue()));
            }
        } catch (SQLException e) {
            return JsonResponses.ok(JsonResponses.object().put("available", false)
                    .put("reason", "Trino at " + jdbcUrl + " cannot be reached: " + e.getMessage())
                    .put("fix", "Check that Trino is running (./platform status) and that console.trino.jdbc-url "
                            + "points at it."));
        }
        return JsonResponses.ok(out);
    }

    private static ObjectNode query(Connection connection, String sql) {
        ObjectNode panel = Json.mapper().createObjectNode();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            ArrayNode columns = panel.putArray("columns");
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnLabel(i));
            }
            ArrayNode rows = panel.putArray("rows");
            while (rs.next()) {
                ObjectNode row = rows.addObject();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    String name = meta.getColumnLabel(i);
                    if (v == null) {
                        row.putNull(name);
                    } else if (v instanceof Number n) {
                        row.put(name, v instanceof BigDecimal d ? d.doubleValue() : n.doubleValue());
                    } else {
                        row.put(name, v.toString());
                    }
                }
            }
        } catch (SQLException e) {
            panel.put("error", e.getMessage().contains("does not exist")
                    ? e.getMessage() + ". The lakehouse jobs build the curated tables: run them first (docs/lakehouse.md)."
                    : e.getMessage());
        }
        return panel;
    }
}
