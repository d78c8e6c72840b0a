package io.sngate.hw.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The help text of every command, laid out like a man page: NAME, SYNOPSIS, DESCRIPTION,
 * COMMANDS, OPTIONS (in the command's groups, each option with its value and default), EXIT
 * STATUS and EXAMPLES. Rendered here rather than by picocli's default layout, which has no
 * option groups without changing how options parse.
 */
final class ManPage {

    static final int WIDTH = 80;
    private static final String INDENT = "  ";
    /** Wider option texts go on a line of their own, their description below. */
    private static final int MAX_LEFT_COLUMN = 24;

    private ManPage() {
    }

    /** Replaces picocli's help sections of {@code line} (not of its subcommands: they have their own). */
    static void install(CommandLine line, CliCommand command) {
        Map<String, IHelpSectionRenderer> sections = new LinkedHashMap<>();
        sections.put("NAME", help -> section("NAME", name(help.commandSpec(), command), false));
        sections.put("SYNOPSIS", help -> section("SYNOPSIS", synopsis(help.commandSpec(), command), true));
        sections.put("DESCRIPTION", help -> command.descriptionParagraphs().isEmpty() ? ""
                : section("DESCRIPTION", paragraphs(command.descriptionParagraphs()), true));
        sections.put("COMMANDS", help -> help.subcommands().isEmpty() ? ""
                : section("COMMANDS", commands(help), true));
        sections.put("OPTIONS", help -> section("OPTIONS", options(help.commandSpec(), command), true));
        sections.put("EXIT STATUS", help -> command.exitCodes().isEmpty() ? ""
                : section("EXIT STATUS", exitCodes(command.exitCodes()), true));
        sections.put("EXAMPLES", help -> command.exampleLines().isEmpty() ? ""
                : section("EXAMPLES", lines(command.exampleLines()), true));
        line.setHelpSectionKeys(new ArrayList<>(sections.keySet()));
        line.setHelpSectionMap(sections);
    }

    private static String section(String title, String body, boolean blankLineBefore) {
        return (blankLineBefore ? "\n" : "") + title + "\n" + body;
    }

    /** {@code sngate-sim pub - publish ...}, wrapped under the summary. */
    private static String name(CommandSpec spec, CliCommand command) {
        String head = spec.qualifiedName() + (command.summary().isEmpty() ? "" : " - ");
        List<String> summary = wrap(command.summary(), WIDTH - INDENT.length() - head.length());
        StringBuilder text = new StringBuilder(INDENT).append(head);
        String pad = INDENT + " ".repeat(head.length());
        for (int i = 0; i < summary.size(); i++) {
            text.append(i == 0 ? "" : pad).append(summary.get(i)).append('\n');
        }
        return summary.isEmpty() ? text.append('\n').toString() : text.toString();
    }

    private static String synopsis(CommandSpec spec, CliCommand command) {
        if (!command.synopsisLines().isEmpty()) {
            return lines(command.synopsisLines());
        }
        StringBuilder line = new StringBuilder(spec.qualifiedName()).append(" [OPTIONS]");
        for (PositionalParamSpec operand : spec.positionalParameters()) {
            if (!operand.hidden()) {
                line.append(' ').append(operand.arity().min() == 0 ? "[" + operand.paramLabel() + "]"
                        : operand.paramLabel());
            }
        }
        if (!spec.subcommands().isEmpty()) {
            line.append(" COMMAND [ARGUMENTS]");
        }
        return lines(List.of(line.toString()));
    }

    private static String commands(Help help) {
        List<String[]> rows = new ArrayList<>();
        help.subcommands().forEach((name, sub) -> {
            String[] header = sub.commandSpec().usageMessage().header();
            rows.add(new String[] {name, header.length == 0 ? "" : String.join(" ", header)});
        });
        return columns(INDENT, rows);
    }

    private static String options(CommandSpec spec, CliCommand command) {
        Map<String, List<String[]>> groups = new LinkedHashMap<>();
        List<String[]> operandRows = new ArrayList<>();
        for (PositionalParamSpec operand : spec.positionalParameters()) {
            if (!operand.hidden()) {
                operandRows.add(new String[] {operand.paramLabel(), String.join(" ", operand.description())});
            }
        }
        for (PositionalParamSpec.Builder operand : command.operands()) {
            if (operand.hidden()) { // handed through: documented, not parsed
                operandRows.add(new String[] {operand.paramLabel(), String.join(" ", operand.description())});
            }
        }
        if (!operandRows.isEmpty()) {
            groups.put("Operands", operandRows);
        }
        Set<OptionSpec> listed = new HashSet<>();
        for (Map.Entry<String, List<String>> group : command.groupedOptionNames().entrySet()) {
            List<OptionSpec> options = new ArrayList<>();
            for (String name : group.getValue()) {
                OptionSpec option = spec.findOption(name);
                if (option != null && !option.hidden()) {
                    options.add(option);
                }
            }
            listed.addAll(options);
            addGroup(groups, group.getKey(), options);
        }
        List<OptionSpec> common = new ArrayList<>();
        for (OptionSpec option : spec.options()) {
            if (!listed.contains(option) && !option.hidden()) {
                common.add(option);
            }
        }
        // The inherited ones (--log-level) first, then --help and --version, on every command alike.
        common.sort(java.util.Comparator.comparingInt(o -> o.usageHelp() ? 1 : o.versionHelp() ? 2 : 0));
        addGroup(groups, CliCommand.COMMON_GROUP, common);
        // One column for all groups, so that the descriptions line up down the section.
        int column = leftColumn(groups.values().stream().flatMap(List::stream).toList());
        StringBuilder text = new StringBuilder();
        groups.forEach((title, rows) -> text.append(INDENT).append(title).append(":\n")
                .append(columns(INDENT + INDENT, rows, column)));
        return text.toString();
    }

    private static void addGroup(Map<String, List<String[]>> groups, String title, List<OptionSpec> options) {
        if (options.isEmpty()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        for (OptionSpec option : options) {
            rows.add(new String[] {optionText(option), String.join(" ", option.description())});
        }
        groups.put(title, rows);
    }

    /** {@code -t TOPIC}, {@code -r}, {@code --require-broker[=BOOLEAN]}, {@code -h, --help}. */
    static String optionText(OptionSpec option) {
        String names = String.join(", ", option.names());
        if (option.arity().max() == 0) {
            return names;
        }
        return option.arity().min() == 0 ? names + "[=" + option.paramLabel() + "]"
                : names + " " + option.paramLabel();
    }

    private static String exitCodes(Map<Integer, String> codes) {
        List<String[]> rows = new ArrayList<>();
        codes.forEach((code, meaning) -> rows.add(new String[] {Integer.toString(code), meaning}));
        return columns(INDENT, rows);
    }

    private static String lines(List<String> lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line.isEmpty() ? "" : INDENT + line).append('\n');
        }
        return text.toString();
    }

    /** Paragraphs wrapped to the width; one with line breaks keeps them (a list, a table). */
    private static String paragraphs(List<String> paragraphs) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < paragraphs.size(); i++) {
            if (i > 0) {
                text.append('\n');
            }
            String paragraph = paragraphs.get(i);
            List<String> lines = paragraph.contains("\n") ? List.of(paragraph.split("\n"))
                    : wrap(paragraph, WIDTH - INDENT.length());
            text.append(lines(lines));
        }
        return text.toString();
    }

    private static String columns(String indent, List<String[]> rows) {
        return columns(indent, rows, leftColumn(rows));
    }

    /** Where the descriptions start: after the widest left text, unless that is too wide. */
    private static int leftColumn(List<String[]> rows) {
        int left = 0;
        for (String[] row : rows) {
            left = Math.max(left, row[0].length());
        }
        return Math.min(left, MAX_LEFT_COLUMN) + 2;
    }

    /** Left texts in a column, their descriptions wrapped beside them. */
    private static String columns(String indent, List<String[]> rows, int column) {
        int descriptionWidth = Math.max(20, WIDTH - indent.length() - column);
        String pad = " ".repeat(column);
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            List<String> description = wrap(row[1], descriptionWidth);
            int next = 0;
            if (row[0].length() <= column - 2 && !description.isEmpty()) {
                text.append(indent).append(row[0]).append(" ".repeat(column - row[0].length()))
                        .append(description.get(0)).append('\n');
                next = 1;
            } else {
                text.append(indent).append(row[0]).append('\n');
            }
            for (int i = next; i < description.size(); i++) {
                text.append(indent).append(pad).append(description.get(i)).append('\n');
            }
        }
        return text.toString();
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
