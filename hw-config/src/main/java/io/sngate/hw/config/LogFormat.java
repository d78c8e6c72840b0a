package io.sngate.hw.config;

/** How log lines are written: for people, or one JSON object a line for a log collector. */
public enum LogFormat {
    TEXT,
    JSON
}
