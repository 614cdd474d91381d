package io.blockshift.cloners;

import java.util.ArrayList;
import java.util.List;

/** Parses a JSON array of strings, such as {@code ["cp", "--reflink=auto", "{source}", "{target}"]}. */
final class JsonStrings {

    private final String text;
    private int at;

    private JsonStrings(String text) {
        this.text = text;
    }

    /** @throws IllegalArgumentException saying where and what is wrong */
    static List<String> parse(String text) {
        return new JsonStrings(text).array();
    }

    private List<String> array() {
        List<String> items = new ArrayList<>();
        expect('[');
        if (peek() == ']') {
            at++;
        } else {
            do {
                items.add(string());
            } while (next(",]") == ',');
        }
        if (peek() != 0) {
            throw error("text after the closing ]");
        }
        return items;
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length()) {
                        throw error("short \\u escape");
                    }
                    try {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw error("unknown escape \\" + e);
            }
        }
    }

    private void expect(char c) {
        if (next(String.valueOf(c)) != c) {
            throw error("expected " + c);
        }
    }

    /** The next non-blank character, which must be one of {@code allowed}. */
    private char next(String allowed) {
        char c = peek();
        if (c == 0 || allowed.indexOf(c) < 0) {
            throw error("expected one of " + allowed);
        }
        at++;
        return c;
    }

    /** The next non-blank character without taking it, or 0 at the end. */
    private char peek() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
        return at < text.length() ? text.charAt(at) : 0;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("not a JSON array of strings: " + what + " at character " + at);
    }
}
