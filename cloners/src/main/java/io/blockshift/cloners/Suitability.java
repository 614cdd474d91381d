package io.blockshift.cloners;

/** A cloner's answer to "can you clone this here?", with the reason an operator can read. */
public record Suitability(boolean suitable, String reason) {

    public static Suitability yes(String reason) {
        return new Suitability(true, reason);
    }

    public static Suitability no(String reason) {
        return new Suitability(false, reason);
    }
}
