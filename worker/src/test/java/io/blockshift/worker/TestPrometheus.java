package io.blockshift.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.io.file.PathUtils;

/**
 * Debian's Prometheus (what the README's test command installs), run by a test with a database
 * of its own in a scratch directory, scraping one target every second; {@link #close()} stops it
 * and removes the directory.
 */
final class TestPrometheus implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Process process;
    private final Path dir;
    private final int port;

    private TestPrometheus(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Starts Prometheus scraping {@code http://target/metrics} and waits until it is ready. */
    static TestPrometheus scraping(String target) throws Exception {
        Path dir = Files.createTempDirectory(TestVm.PREFIX + "prometheus-");
        int port = freePort();
        Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                "global: {scrape_interval: 1s, evaluation_interval: 1s}",
                "scrape_configs:",
                "  - job_name: blockshift",
                "    static_configs: [{targets: ['" + target + "']}]", ""));
        Process process = new ProcessBuilder(List.of("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        TestPrometheus prometheus = new TestPrometheus(process, dir, port);
        try {
            prometheus.awaitReady();
            return prometheus;
        } catch (Exception e) {
            prometheus.close();
            throw e;
        }
    }

    /** The answer to an instant query: {@code data.result}, an array of series. */
    JsonNode query(String promql) throws IOException, InterruptedException {
        JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!"success".equals(answer.path("status").asText())) {
            throw new AssertionError("Prometheus refused " + promql + ": " + answer);
        }
        return answer.path("data").path("result");
    }

    /** The sum of the values of the series {@code promql} answers, once it answers any within {@code timeout}. */
    double awaitValue(String promql, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode result = query(promql);
            if (!result.isEmpty()) {
                double sum = 0;
                for (JsonNode series : result) {
                    sum += Double.parseDouble(series.path("value").path(1).asText());
                }
                return sum;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Prometheus has no series for " + promql + " after " + timeout
                        + "; its log: " + Files.readString(dir.resolve("prometheus.log")));
            }
            Thread.sleep(250);
        }
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(uri("/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("Prometheus did not start: " + Files.readString(dir.resolve("prometheus.log")));
            }
            Thread.sleep(100);
        }
    }

    private JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        PathUtils.deleteDirectory(dir);
    }
}
