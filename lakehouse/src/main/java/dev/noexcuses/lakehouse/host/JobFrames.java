package dev.noexcuses.lakehouse.host;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The job host's answer to a job, as lines: {@code 1 text} a line the job printed on its standard output,
 * {@code 2 text} on its standard error, {@code .} a heartbeat while it runs or waits, {@code = N} its exit
 * code, last. A write that fails means the caller is gone: the host then cancels the job.
 */
final class JobFrames {
    static final char OUT = '1';
    static final char ERR = '2';
    static final char HEARTBEAT = '.';
    static final char EXIT = '=';

    private final OutputStream body;
    private boolean broken;

    JobFrames(OutputStream body) {
        this.body = requireNonNull(body, "body is null");
    }

    /** Sends a line of the job's output; false when the caller is gone. */
    boolean line(char channel, String text) {
        return send(channel + " " + text.replace('\r', ' ') + "\n");
    }

    /** Tells the caller the job is still running (or waiting); false when the caller is gone. */
    boolean heartbeat() {
        return send(HEARTBEAT + "\n");
    }

    boolean exit(int code) {
        return send(EXIT + " " + code + "\n");
    }

    synchronized boolean broken() {
        return broken;
    }

    private synchronized boolean send(String frame) {
        if (broken) {
            return false;
        }
        try {
            body.write(frame.getBytes(StandardCharsets.UTF_8));
            body.flush();
            return true;
        } catch (IOException e) {
            broken = true;
            return false;
        }
    }
}
