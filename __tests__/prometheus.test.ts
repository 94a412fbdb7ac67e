import { parseMetrics, sampleOfSeries } from "../cli/canary-analysis";
import { prometheusConfig, seriesOf } from "../cli/prometheus";

describe("the release's private Prometheus", () => {
  test("scrapes each replica by its own address, labelled with its track", () => {
    // GIVEN a stable and a canary pod  WHEN configured  THEN one job, every second, a static target per replica
    const config = JSON.parse(prometheusConfig([
      { address: "10.244.0.7:8080", track: "stable", replica: "api-6d9f-abcde" },
      { address: "10.244.0.9:8080", track: "canary", replica: "api-canary-7c4b-fghij" },
    ]));
    expect(config.global).toEqual({ scrape_interval: "1s", scrape_timeout: "1s" });
    expect(config.scrape_configs).toEqual([
      {
        job_name: "release",
        metrics_path: "/metrics",
        static_configs: [
          { targets: ["10.244.0.7:8080"], labels: { track: "stable", replica: "api-6d9f-abcde" } },
          { targets: ["10.244.0.9:8080"], labels: { track: "canary", replica: "api-canary-7c4b-fghij" } },
        ],
      },
    ]);
  });

  test("the canary's series from a query make the same sample as its /metrics text", () => {
    // GIVEN what Prometheus answers for the canary's series (its labels added), and the text it scraped
    const text = [
      'http_requests_total{path="/version",method="GET",code="200"} 90',
      'http_requests_total{path="/version",method="GET",code="500"} 10',
      'http_requests_total{path="/readyz",method="GET",code="200"} 999',
      'http_request_duration_seconds_bucket{path="/version",le="0.005"} 95',
      'http_request_duration_seconds_bucket{path="/version",le="+Inf"} 100',
      "process_start_time_seconds 1700000000.5",
    ].join("\n");
    const at = 1700000100;
    const result: Array<{ metric: Record<string, string>; value: [number, string] }> = [
      { metric: { __name__: "http_requests_total", path: "/version", method: "GET", code: "200", track: "canary", replica: "c" }, value: [at, "90"] },
      { metric: { __name__: "http_requests_total", path: "/version", method: "GET", code: "500", track: "canary", replica: "c" }, value: [at, "10"] },
      { metric: { __name__: "http_requests_total", path: "/readyz", method: "GET", code: "200", track: "canary", replica: "c" }, value: [at, "999"] },
      { metric: { __name__: "http_request_duration_seconds_bucket", path: "/version", le: "0.005", track: "canary", replica: "c" }, value: [at, "95"] },
      { metric: { __name__: "http_request_duration_seconds_bucket", path: "/version", le: "+Inf", track: "canary", replica: "c" }, value: [at, "100"] },
      { metric: { __name__: "process_start_time_seconds", track: "canary", replica: "c" }, value: [at, "1700000000.5"] },
    ];
    // THEN both read the same counters: ordinary requests only, 5xx failed, the histogram, the start time
    expect(sampleOfSeries(seriesOf(result))).toEqual(parseMetrics(text));
    expect(sampleOfSeries(seriesOf(result))).toMatchObject({ total: 100, failed: 10, starts: ["1700000000.5"] });
  });
});
