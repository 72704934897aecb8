package dev.noexcuses.platform.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./platform} command tree. */
@Command(name = "platform", mixinStandardHelpOptions = true, version = "No Excuses Data Platform 0.1.0",
        description = "Event-data and MLOps platform: one command starts it on embedded real infrastructure.",
        subcommands = {UpCommand.class, DemoCommand.class, StatusCommand.class, DownCommand.class,
                ProduceCommand.class, RunCommand.class, VerifyCommand.class, LakeCommand.class, LakehouseCommand.class, SparkCommand.class,
                SchemasCommand.class, ReplayDlqCommand.class, ReloadCommand.class, SqlCommand.class, ConsolePasswordCommand.class, UserKeyCommand.class, DagsCommand.class,
                AlertsCommand.class, ModelsCommand.class, RunsCommand.class, FeaturesCommand.class, MlCommand.class, RolloutsCommand.class, AbCommand.class,
                CommandLine.HelpCommand.class})
public final class Commands {
    private Commands() {}

    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Commands());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(cmd.getColorScheme().errorText("Error: " + e.getMessage()));
            org.slf4j.LoggerFactory.getLogger(Commands.class).error("Command failed", e);
            return 2;
        });
        return cli.execute(args);
    }
}
