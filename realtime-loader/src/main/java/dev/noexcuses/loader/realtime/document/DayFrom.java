package dev.noexcuses.loader.realtime.document;

import java.util.Locale;

/** Which time of an enriched event picks its daily index. */
public enum DayFrom {
    /** The collector's receive time: one clock, so no index is created for a client's odd date. */
    RECEIVED_AT,
    /** The client's event time. */
    EVENT_TIME;

    public static DayFrom parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid realtime-loader.index.day-from '" + text
                    + "': expected received_at or event_time");
        }
    }
}
