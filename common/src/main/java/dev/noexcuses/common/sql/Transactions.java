package dev.noexcuses.common.sql;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** One unit of work on one connection, committed when it returns and rolled back when it throws. */
public final class Transactions {
    private Transactions() {}

    /** Work on a connection in a transaction of its own. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction.
     *
     * @param owner whose database it is, for the error ("Alerting")
     * @throws IllegalStateException for a database error, naming the owner; a {@link RuntimeException} of the
     *     work is rethrown as it is, after the rollback
     */
    public static <T> T run(DataSource dataSource, String owner, Work<T> work) {
        requireNonNull(work, "work is null");
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(owner + " database error: " + e.getMessage(), e);
        }
    }
}
