package dev.noexcuses.lakehouse.host;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The host's standard output and error: while a job runs, what any thread prints goes to that job's
 * caller (jobs run one at a time, so "the job running now" is well defined); between jobs, to the host's
 * own log. Each line travels as a frame of {@link JobFrames}.
 */
final class JobOutput {
    private final PrintStream hostOut;
    private final PrintStream hostErr;
    private volatile JobFrames current;

    private JobOutput(PrintStream hostOut, PrintStream hostErr) {
        this.hostOut = hostOut;
        this.hostErr = hostErr;
    }

    /** Routes {@code System.out} and {@code System.err} of this JVM through the returned output. */
    static JobOutput install() {
        JobOutput output = new JobOutput(System.out, System.err);
        System.setOut(new PrintStream(output.new Channel(JobFrames.OUT, output.hostOut), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(output.new Channel(JobFrames.ERR, output.hostErr), true, StandardCharsets.UTF_8));
        return output;
    }

    /** Gives this JVM its standard output and error back, as they were before {@link #install}. */
    void uninstall() {
        System.setOut(hostOut);
        System.setErr(hostErr);
    }

    /** Sends what is printed from now on to {@code frames}; null: to the host's log again. */
    void routeTo(JobFrames frames) {
        this.current = frames;
    }

    /** One of the two streams: whole lines to the job running now, or to the host's own stream. */
    private final class Channel extends OutputStream {
        private final char channel;
        private final PrintStream host;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Channel(char channel, PrintStream host) {
            this.channel = channel;
            this.host = requireNonNull(host, "host is null");
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (b == '\n') {
                emit();
            } else {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    emit();
                } else {
                    line.write(b[i]);
                }
            }
        }

        private void emit() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            JobFrames job = current;
            if (job == null || !job.line(channel, text)) {
                host.println(text);
            }
        }
    }
}
