package dev.noexcuses.bench.serving;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.serving.gateway.ServingGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A serving gateway in a process of its own, as {@code ./platform up} runs it beside the load and not
 * inside it: {@code GatewayProcess PORT_FILE key=value...}. Writes its port to the file once listening;
 * ends with its parent process or on SIGTERM.
 */
public final class GatewayProcess {
    private GatewayProcess() {}

    public static void main(String[] args) throws Exception {
        Path portFile = Path.of(args[0]);
        Map<String, String> settings = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        ServingGateway gateway = ServingGateway.start(PlatformConfig.defaults(settings));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(gateway.port()));
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        stopped.await();
    }
}
