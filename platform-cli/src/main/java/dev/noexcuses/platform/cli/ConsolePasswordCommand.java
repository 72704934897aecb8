package dev.noexcuses.platform.cli;

import dev.noexcuses.console.auth.PasswordHash;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "console-password", description = {
        "Read a password (from the terminal, or the first line of standard input) and print its hash",
        "for console.users: { name = \"alice\", password-hash = \"<printed hash>\" }."})
final class ConsolePasswordCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        System.out.println(PasswordHash.readAndHash());
        return 0;
    }
}
