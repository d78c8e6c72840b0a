package io.sngate.hw.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes a command's bash completion script at build time (exec-maven-plugin, see the tools'
 * pom.xml): {@code CompletionScript CLASS FILE}, where CLASS has a static no-argument
 * {@code command()} returning the tool's {@link CliCommand}. The script completes under the
 * command's name (sngate-sim, sngate-gateway, sngate-bridge).
 */
public final class CompletionScript {

    private CompletionScript() {
    }

    public static void main(String[] args) throws ReflectiveOperationException, IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: CompletionScript CLASS FILE");
        }
        Method factory = Class.forName(args[0]).getDeclaredMethod("command");
        factory.setAccessible(true);
        CliCommand command = (CliCommand) factory.invoke(null);
        CommandLine line = command.commandLine(new PrintStream(PrintStream.nullOutputStream()),
                new PrintStream(PrintStream.nullOutputStream()));
        Path file = Path.of(args[1]);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, AutoComplete.bash(line.getCommandName(), line), StandardCharsets.UTF_8);
    }
}
