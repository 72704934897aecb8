package dev.noexcuses.registry.models;

/** The last result of one validation gate of a version: passed or not, why, by whom and when. */
public record Gate(String gate, boolean passed, String detail, String recordedBy, long recordedAt) {}
