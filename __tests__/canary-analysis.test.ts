import { combine, judge, p95Milliseconds, parseMetrics, since, Thresholds } from "../cli/canary-analysis";

/** /metrics text as app/metrics.go writes it, for `requests` of /version by code and latencies by bucket. */
function metrics(requests: Record<string, number>, buckets: Record<string, number>, start = "1700000000.000"): string {
  const lines = ["# TYPE http_requests_total counter"];
  for (const [code, count] of Object.entries(requests)) lines.push(`http_requests_total{path="/version",method="GET",code="${code}"} ${count}`);
  lines.push('http_requests_total{path="/readyz",method="GET",code="503"} 999', 'http_requests_total{path="/metrics",method="GET",code="200"} 50');
  for (const [le, count] of Object.entries(buckets)) lines.push(`http_request_duration_seconds_bucket{path="/version",le="${le}"} ${count}`);
  lines.push('http_request_duration_seconds_bucket{path="/readyz",le="+Inf"} 999', `process_start_time_seconds ${start}`);
  return lines.join("\n");
}

const thresholds: Thresholds = { windowSeconds: 30, minSuccessPercent: 99, maxP95Milliseconds: 500, minRequests: 20 };

describe("canary analysis", () => {
  test("counts ordinary requests only, 5xx as failed", () => {
    // GIVEN /version answered 90 times 200 and 10 times 500, readiness failing and scrapes beside it
    const sample = parseMetrics(metrics({ "200": 90, "500": 10 }, { "0.005": 80, "0.01": 95, "+Inf": 100 }));
    // THEN probes and scrapes are not traffic
    expect(sample).toMatchObject({ total: 100, failed: 10, starts: ["1700000000.000"] });
    expect(sample.buckets.get(Infinity)).toBe(100);
  });

  test("p95 is interpolated inside its bucket, as histogram_quantile does", () => {
    // GIVEN 80 requests within 5 ms and 20 between 5 and 10 ms  THEN the 95th (rank 95) lies 3/4 into that bucket
    const sample = parseMetrics(metrics({ "200": 100 }, { "0.005": 80, "0.01": 100, "+Inf": 100 }));
    expect(p95Milliseconds(sample)).toBeCloseTo(8.75);
  });

  test("a window is the difference of two scrapes, over every container", () => {
    const before = combine([parseMetrics(metrics({ "200": 10 }, { "0.005": 10, "+Inf": 10 })), parseMetrics(metrics({ "200": 5 }, { "0.005": 5, "+Inf": 5 }))]);
    const after = combine([parseMetrics(metrics({ "200": 30, "500": 4 }, { "0.005": 34, "+Inf": 34 })), parseMetrics(metrics({ "200": 25 }, { "0.005": 25, "+Inf": 25 }))]);
    expect(since(before, after)).toMatchObject({ total: 44, failed: 4 });
  });

  test("judges: a failure as soon as there are enough requests, a pass only at the end, too few requests fail at the end", () => {
    const window = (ok: number, failed: number, slow = 0) =>
      parseMetrics(metrics({ "200": ok, "500": failed }, { "0.005": ok + failed - slow, "1": ok + failed, "+Inf": ok + failed }));
    // failing share: final at once, naming the check and the measured values
    expect(judge(window(40, 10), thresholds, false)).toEqual({ passed: false, text: "success rate 80.0% is below 99% (40 of 50 requests succeeded (80.0%), p95 latency 5 ms)" });
    // slow: p95 above the bound
    expect(judge(window(100, 0, 20), thresholds, false)?.text).toMatch(/^p95 latency 7\d\d ms is above 500 ms/);
    // healthy so far: no verdict until the window ends, then a pass
    expect(judge(window(100, 0), thresholds, false)).toBeUndefined();
    expect(judge(window(100, 0), thresholds, true)).toMatchObject({ passed: true });
    // a few failures below the minimum are not yet a verdict; at the end too few requests fail
    expect(judge(window(2, 3), thresholds, false)).toBeUndefined();
    expect(judge(window(5, 0), thresholds, true)?.text).toMatch(/^too few requests to judge: 5 in 30 s, at least 20 needed/);
  });
});
