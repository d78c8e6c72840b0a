package io.sngate.hw.config.devices;

import java.util.Objects;

/** Which client ids a devices-file entry is about: one exact id, or a pattern. */
public sealed interface ClientIdMatcher {

    boolean matches(String clientId);

    /** The id or pattern as written in the file, for logs and errors. */
    String text();

    static ClientIdMatcher exact(String clientId) {
        return new Exact(clientId);
    }

    /**
     * A pattern where {@code *} stands for any run of characters (none included) and {@code ?} for
     * exactly one; every other character stands for itself.
     *
     * @throws IllegalArgumentException when the pattern is empty or has no wildcard
     */
    static ClientIdMatcher pattern(String pattern) {
        return new Pattern(pattern);
    }

    /** Matches one client id, compared exactly (client ids are case-sensitive). */
    record Exact(String clientId) implements ClientIdMatcher {
        public Exact {
            Objects.requireNonNull(clientId, "clientId");
        }

        @Override
        public boolean matches(String candidate) {
            return clientId.equals(candidate);
        }

        @Override
        public String text() {
            return clientId;
        }
    }

    /** Matches the client ids a {@code *}/{@code ?} pattern describes. */
    record Pattern(String pattern) implements ClientIdMatcher {
        public Pattern {
            Objects.requireNonNull(pattern, "pattern");
            if (pattern.isEmpty()) {
                throw new IllegalArgumentException("a client id pattern cannot be empty");
            }
            if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0) {
                throw new IllegalArgumentException("'" + pattern + "' has no '*' or '?' (for one client id use client-id)");
            }
        }

        @Override
        public boolean matches(String candidate) {
            return candidate != null && glob(pattern.codePoints().toArray(), candidate.codePoints().toArray());
        }

        @Override
        public String text() {
            return pattern;
        }

        /**
         * Wildcard matching that, on a mismatch, goes back only to just after the last {@code *}
         * seen: at most (pattern length x id length) steps, never exponential like a naive
         * recursion or a backtracking regular expression fed a hostile client id. Works on code points so that
         * {@code ?} is one character even outside the BMP.
         */
        private static boolean glob(int[] p, int[] s) {
            int pi = 0;
            int si = 0;
            int star = -1;
            int resume = 0;
            while (si < s.length) {
                if (pi < p.length && (p[pi] == '?' || (p[pi] != '*' && p[pi] == s[si]))) {
                    pi++;
                    si++;
                } else if (pi < p.length && p[pi] == '*') {
                    star = pi++;
                    resume = si;
                } else if (star >= 0) {
                    pi = star + 1;
                    si = ++resume;
                } else {
                    return false;
                }
            }
            while (pi < p.length && p[pi] == '*') {
                pi++;
            }
            return pi == p.length;
        }
    }
}
