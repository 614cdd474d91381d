package io.blockshift.client;

import com.uber.m3.tally.Scope;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;

/**
 * How to talk to a Temporal frontend beyond its address: TLS, an API key (Temporal Cloud's, sent
 * as a bearer token and never printed), and where the SDK's own metrics go.
 *
 * @param tls TLS settings, or null for the SDK's default: plain, but TLS with an API key
 * @param plainText a plain connection even with an API key (the operator said {@code --no-tls})
 * @param apiKey an API key, or null for none
 * @param metrics the scope the SDK reports to, or null for none
 */
public record ConnectionOptions(SslContext tls, boolean plainText, String apiKey, Scope metrics) {

    /** A plain connection with no key and no metrics. */
    public static final ConnectionOptions PLAIN = new ConnectionOptions(null, false, null, null);

    public ConnectionOptions withMetrics(Scope scope) {
        return new ConnectionOptions(tls, plainText, apiKey, scope);
    }

    /** Never the key itself: this may be logged. */
    @Override
    public String toString() {
        return "ConnectionOptions[tls=" + (tls != null) + ", plainText=" + plainText + ", apiKey=" + (apiKey == null ? "none" : "given")
                + ", metrics=" + (metrics != null) + "]";
    }
}
