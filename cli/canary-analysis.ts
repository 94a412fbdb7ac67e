// Judges a canary on its own metrics: the API's Prometheus text from /metrics of each canary container, scraped
// directly (never through the proxy, which mixes the tracks), compared between the start of an analysis window
// and now. Probes and scrapes (/livez, /readyz, /healthz, /metrics) are not traffic and are left out.
import * as http from "http";

/** What a canary must show over a window (settings: grayRelease.analysis). */
export interface Thresholds {
  /** Length of the window after a step. */
  readonly windowSeconds: number;
  /** Least share of requests answered without a 5xx, in percent. */
  readonly minSuccessPercent: number;
  /** Highest 95th percentile latency, in milliseconds. */
  readonly maxP95Milliseconds: number;
  /** Fewest requests the canary must have served for a verdict. */
  readonly minRequests: number;
}

/** Counters of ordinary requests, summed over paths and containers. */
export interface Sample {
  /** Requests served. */
  readonly total: number;
  /** Of them answered 5xx. */
  readonly failed: number;
  /** Cumulative latency histogram: upper bound in seconds → requests at most that slow (+Inf included). */
  readonly buckets: ReadonlyMap<number, number>;
  /** The containers' process start times, to tell a restart (counters back at 0) from traffic. */
  readonly starts: readonly string[];
}

const NOT_TRAFFIC = new Set(["/livez", "/readyz", "/healthz", "/metrics"]);
const SERIES = /^(http_requests_total|http_request_duration_seconds_bucket)\{([^}]*)\}\s+(\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** One series of the API's metrics: its name, labels and value (as the text, or a Prometheus query, gives it). */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The value as written ("1701.5", "+Inf"). */
  readonly value: string;
}

/** The ordinary-request counters of a set of series (one replica's, or several's: they add up). */
export function sampleOfSeries(series: readonly Series[]): Sample {
  let total = 0;
  let failed = 0;
  const buckets = new Map<number, number>();
  const starts: string[] = [];
  for (const { name, labels, value } of series) {
    if (name === "process_start_time_seconds") starts.push(value);
    if ((name !== "http_requests_total" && name !== "http_request_duration_seconds_bucket") || NOT_TRAFFIC.has(labels.path)) continue;
    if (name === "http_requests_total") {
      total += Number(value);
      if (labels.code?.startsWith("5")) failed += Number(value);
    } else {
      const bound = labels.le === "+Inf" ? Infinity : Number(labels.le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(value));
    }
  }
  return { total, failed, buckets, starts };
}

/** The ordinary-request counters of one /metrics text. */
export function parseMetrics(text: string): Sample {
  const series: Series[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("process_start_time_seconds ")) series.push({ name: "process_start_time_seconds", labels: {}, value: line.split(" ")[1] });
    const match = SERIES.exec(line);
    if (match === null) continue;
    series.push({ name: match[1], labels: Object.fromEntries([...match[2].matchAll(LABEL)].map((label) => [label[1], label[2]])), value: match[3] });
  }
  return sampleOfSeries(series);
}

/** Several containers' samples as one. */
export function combine(samples: readonly Sample[]): Sample {
  const buckets = new Map<number, number>();
  for (const sample of samples) for (const [bound, count] of sample.buckets) buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  return {
    total: samples.reduce((sum, sample) => sum + sample.total, 0),
    failed: samples.reduce((sum, sample) => sum + sample.failed, 0),
    buckets,
    starts: samples.flatMap((sample) => sample.starts),
  };
}

/** What happened between `before` and `after`. */
export function since(before: Sample, after: Sample): Sample {
  const buckets = new Map([...after.buckets].map(([bound, count]) => [bound, count - (before.buckets.get(bound) ?? 0)]));
  return { total: after.total - before.total, failed: after.failed - before.failed, buckets, starts: after.starts };
}

/** The 95th percentile in milliseconds, interpolated inside its bucket as Prometheus' histogram_quantile does. */
export function p95Milliseconds(sample: Sample): number | undefined {
  if (sample.total <= 0) return undefined;
  const bounds = [...sample.buckets.keys()].sort((a, b) => a - b);
  const count = sample.buckets.get(Infinity) ?? sample.total;
  const rank = 0.95 * count;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const cumulative = sample.buckets.get(bound) ?? 0;
    if (cumulative >= rank) {
      if (bound === Infinity) return lower * 1000;
      const inside = cumulative - below;
      return (lower + (bound - lower) * (inside > 0 ? (rank - below) / inside : 1)) * 1000;
    }
    lower = bound;
    below = cumulative;
  }
  return lower * 1000;
}

/** A judgement of the window so far. */
export interface Verdict {
  /** The canary passed (only at the end of a window) or failed. */
  readonly passed: boolean;
  /** What was checked, and the measured values. */
  readonly text: string;
}

const percent = (value: number) => `${value.toFixed(1)}%`;

/**
 * Judges `window` (counters since the step began). Before the window ends only a failure is final, and only once
 * enough requests came in; at the end too few requests fail too, since nothing was proven.
 */
export function judge(window: Sample, thresholds: Thresholds, ended: boolean): Verdict | undefined {
  const success = window.total > 0 ? (100 * (window.total - window.failed)) / window.total : 100;
  const p95 = p95Milliseconds(window);
  const measured = `${window.total - window.failed} of ${window.total} requests succeeded (${percent(success)}), p95 latency ${p95 === undefined ? "n/a" : `${Math.round(p95)} ms`}`;
  if (window.total >= thresholds.minRequests) {
    if (success < thresholds.minSuccessPercent) return { passed: false, text: `success rate ${percent(success)} is below ${thresholds.minSuccessPercent}% (${measured})` };
    if (p95 !== undefined && p95 > thresholds.maxP95Milliseconds) return { passed: false, text: `p95 latency ${Math.round(p95)} ms is above ${thresholds.maxP95Milliseconds} ms (${measured})` };
  }
  if (!ended) return undefined;
  if (window.total < thresholds.minRequests) return { passed: false, text: `too few requests to judge: ${window.total} in ${thresholds.windowSeconds} s, at least ${thresholds.minRequests} needed (${measured})` };
  return { passed: true, text: measured };
}

/** GETs http://<address>/metrics (a container's own address on its network), within `timeoutMs`. */
export function scrape(address: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://${address}/metrics`, { timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`${address}/metrics answered ${response.statusCode}`))));
    });
    request.on("timeout", () => request.destroy(new Error(`${address}/metrics did not answer within ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}
