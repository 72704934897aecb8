package dev.noexcuses.orchestrator.run;

import java.time.Instant;

/** One attempt of a task: the child process that ran it, where, its exit code, log file and duration. */
public record TaskAttempt(long attemptId, long runId, String taskId, int tryNumber, String state, String pool,
                          String scheduler, String host, Long pid, String command, String logFile, Integer exitCode,
                          String error, Instant startedAt, Instant endedAt, Long durationMs) {}
