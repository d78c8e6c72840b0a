package io.sngate.hw.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * What one command's command line said, by option name, as the user wrote it: the tools check
 * and convert the values themselves, so their messages name the option the way they always did.
 */
public final class Args {

    private final ParseResult result;

    Args(ParseResult result) {
        this.result = result;
    }

    /** Whether the option (any of its names) was given. */
    public boolean has(String name) {
        return result.hasMatchedOption(name);
    }

    /** The option's value as given, or null when it was not given. */
    public String get(String name) {
        List<String> values = all(name);
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /** The option's value as given, or {@code fallback}. */
    public String get(String name, String fallback) {
        String value = get(name);
        return value != null ? value : fallback;
    }

    /**
     * Every value of a repeatable option, in command-line order; empty when not given. An
     * optional value left out ({@code --require-broker} alone) reads as the option's fallback.
     */
    public List<String> all(String name) {
        OptionSpec option = result.matchedOption(name);
        if (option == null) {
            return List.of();
        }
        List<String> values = option.originalStringValues();
        if (values.isEmpty() && option.arity().min() == 0 && option.arity().max() > 0) {
            return List.of(option.fallbackValue());
        }
        return List.copyOf(values);
    }

    /** The operands (positional arguments), in order. */
    public List<String> positional() {
        List<String> words = new ArrayList<>();
        // A positional that took several words is listed once per word.
        for (PositionalParamSpec positional : new LinkedHashSet<>(result.matchedPositionals())) {
            words.addAll(positional.originalStringValues());
        }
        return words;
    }
}
