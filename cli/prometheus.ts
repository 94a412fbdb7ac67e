// A private Prometheus for a release's analysis (grayRelease.analysis.source: prometheus): Debian's `prometheus`
// (scripts/prometheus.sh installs it when missing), started by the release command for an analysis window on
// 127.0.0.1 with a data folder of its own, scraping every replica of both tracks of the released service directly by its own address (pod IPs,
// container IPs: never through the traffic entry, which mixes the tracks), each labelled with its track. The
// canary's counters are read back with an instant query, into the same Sample the direct scrape gives.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { Sample, sampleOfSeries, Series } from "./canary-analysis";
import { CommandError } from "./_processes";

/** A replica Prometheus scrapes. */
export interface ScrapeTarget {
  /** "ip:port" of the replica's HTTP port. */
  readonly address: string;
  readonly track: "stable" | "canary";
  /** The pod's or container's name. */
  readonly replica: string;
}

/** Seconds between scrapes: short, so a window of seconds sees many. */
export const SCRAPE_INTERVAL_SECONDS = 1;

/** Prometheus' configuration: one job scraping `targets`, each labelled with its track and replica. */
export function prometheusConfig(targets: readonly ScrapeTarget[]): string {
  // JSON is YAML: no hand-written YAML, every value quoted whatever it holds. Static targets: a Prometheus runs for
  // one analysis window, and file-based discovery would hand a new target to the scrape manager only at its next
  // 5 s sync.
  return `${JSON.stringify(
    {
      global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`, scrape_timeout: `${SCRAPE_INTERVAL_SECONDS}s` },
      scrape_configs: [
        {
          job_name: "release",
          metrics_path: "/metrics",
          static_configs: targets.map((target) => ({ targets: [target.address], labels: { track: target.track, replica: target.replica } })),
        },
      ],
    },
    null,
    2,
  )}\n`;
}

interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

function query(url: string, promql: string, timeoutMs = 5000): Promise<QueryResult["data"] & object> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, { timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        const parsed = JSON.parse(body) as QueryResult;
        if (parsed.status !== "success" || parsed.data === undefined) reject(new Error(`Prometheus query ${promql} failed: ${parsed.error ?? body}`));
        else resolve(parsed.data);
      });
    });
    request.on("timeout", () => request.destroy(new Error(`Prometheus at ${url} did not answer within ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}

const CANARY_SERIES = '{__name__=~"http_requests_total|http_request_duration_seconds_bucket|process_start_time_seconds",track="canary"}';

/** The canary's counters as Prometheus last scraped them (the series of every canary replica, summed). */
export function seriesOf(result: ReadonlyArray<{ metric: Record<string, string>; value: [number, string] }>): Series[] {
  return result.map(({ metric, value }) => {
    const { __name__: name, ...labels } = metric;
    return { name, labels, value: value[1] };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A running private Prometheus. */
export class PrometheusServer {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly logFile: string,
  ) {}

  /** Starts `prometheus` on 127.0.0.1:`port` in `dir` (its config, data and log) scraping `targets`, and waits until it is ready. */
  static async start(dir: string, port: number, targets: readonly ScrapeTarget[], env: NodeJS.ProcessEnv): Promise<PrometheusServer> {
    fs.mkdirSync(dir, { recursive: true });
    const configFile = path.join(dir, "prometheus.json");
    const logFile = path.join(dir, "prometheus.log");
    fs.writeFileSync(configFile, prometheusConfig(targets));
    const log = fs.openSync(logFile, "w");
    const child = spawn(
      "prometheus",
      [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${path.join(dir, "data")}`, "--storage.tsdb.retention.time=1h"],
      { env, stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir, logFile);
    const ends = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new CommandError(`prometheus exited (${child.exitCode}) at start: ${fs.readFileSync(logFile, "utf8").split("\n").slice(-5).join("\n")}`);
      try {
        await query(server.url, "vector(1)", 1000);
        return server;
      } catch (error) {
        if (Date.now() > ends) {
          server.stop();
          throw new CommandError(`prometheus at ${server.url} was not ready within 30 s (${(error as Error).message}; log ${logFile})`);
        }
        await sleep(250);
      }
    }
  }

  /** Waits until every one of `replicas` of the canary has been scraped, and answered, after this call. */
  async waitScraped(replicas: readonly string[], timeoutMs = 30_000): Promise<void> {
    const since = Date.now() / 1000;
    const ends = Date.now() + timeoutMs;
    for (;;) {
      const { result } = await query(this.url, 'up{track="canary"} == 1 and timestamp(up{track="canary"}) > ' + since.toFixed(3));
      const scraped = new Set(result.map((series) => series.metric.replica));
      if (replicas.every((replica) => scraped.has(replica))) return;
      if (Date.now() > ends) throw new CommandError(`Prometheus did not scrape the canary replicas ${replicas.filter((replica) => !scraped.has(replica)).join(", ")} within ${timeoutMs / 1000} s (log ${this.logFile})`);
      await sleep(250);
    }
  }

  /** The canary's counters now (as last scraped, at most one interval ago). */
  async canarySample(): Promise<Sample> {
    return sampleOfSeries(seriesOf((await query(this.url, CANARY_SERIES)).result));
  }

  /** Stops it and removes its folder. */
  stop(): void {
    this.child.kill("SIGTERM");
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
