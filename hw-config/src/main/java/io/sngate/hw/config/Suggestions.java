package io.sngate.hw.config;

import java.util.Collection;
import java.util.function.Function;

/**
 * The "did you mean" part of an unknown-key error: the closest known key, if one is close.
 * Public for the readers of other configuration files ({@code devices}), so every file answers a
 * typo the same way.
 */
public final class Suggestions {

    /** More edits than this and a suggestion would confuse more than help. */
    private static final int MAX_DISTANCE = 2;

    private Suggestions() {
    }

    /**
     * {@code " (did you mean 'KEY'?)"} for the candidate nearest to {@code typed}, shown through
     * {@code display}; empty when none is near.
     */
    public static String didYouMean(String typed, Collection<String> candidates, Function<String, String> display) {
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : candidates) {
            int distance = editDistance(typed, candidate);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        return best == null ? "" : " (did you mean '" + display.apply(best) + "'?)";
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
