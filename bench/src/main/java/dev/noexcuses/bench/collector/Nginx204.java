package dev.noexcuses.bench.collector;

import dev.noexcuses.infra.LocalInfra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx answering 204 to everything on a free loopback port (two workers, no access log): the
 * floor of an HTTP server on this machine, to compare the collector and the load generators against.
 */
final class Nginx204 implements AutoCloseable {
    private static final Path NGINX = Path.of("/usr/sbin/nginx");

    private final Process process;
    private final int port;

    private Nginx204(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** nginx started, or empty when it is not installed (Debian: {@code apt-get install nginx-light}). */
    static Optional<Nginx204> startIfInstalled() throws IOException, InterruptedException {
        if (!Files.isExecutable(NGINX)) {
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory("bench-nginx");
        int port = LocalInfra.freePort();
        Files.writeString(dir.resolve("nginx.conf"), """
                worker_processes 2;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  server { listen 127.0.0.1:%2$d; location / { return 204; } }
                }
                """.formatted(dir, port));
        Process nginx = new ProcessBuilder(NGINX.toString(), "-c", dir.resolve("nginx.conf").toString(), "-p",
                dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        TimeUnit.SECONDS.sleep(1);
        return Optional.of(new Nginx204(nginx, port));
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
