// Helpers of the two release suites (Docker and Kubernetes): the command line with its logs and timings, and
// background traffic and the canary's share over the suite's own GET of /version (through the Docker proxy, or
// through Traefik), every loop bounded in requests and time.
import * as http from "http";
import * as path from "path";
import { readHistory, ReleaseRecord } from "../../cli/release-history";
import { readPlanDir } from "../../plan-report/read-plan-dir";
import { summarizeStack } from "../../plan-report/summarize";
import { layeredSettings } from "../../settings";
import { mustRun, runInBackground, Timings } from "./_e2e";

/** One answer of /version: its status, the version that served it, whether it was the misbehaviour switch, or the error. */
export interface Answer {
  readonly status: number;
  readonly version?: string;
  readonly onPurpose: boolean;
  /** When there was no answer: the error code, or "timeout" (5 s). */
  readonly error?: string;
  /** When it was asked (ISO 8601), to place a failure in the logs. @default - not recorded */
  readonly at?: string;
  /** The first try was reset before any answer and this is the one retry (the Docker suite only). @default false */
  readonly retried?: boolean;
}

/** What a /version response says: the version that served it (on a 200), and whether the misbehaviour switch answered. */
export function answerOf(status: number, body: string): Pick<Answer, "status" | "version" | "onPurpose"> {
  let parsed: { version?: string } = {};
  try {
    parsed = JSON.parse(body) as { version?: string };
  } catch {
    // not JSON: the proxy's or Traefik's error page, or nothing
  }
  return { status, version: status === 200 ? parsed.version : undefined, onPurpose: body.includes("misbehaving on purpose") };
}

/**
 * One answer of /version through a traffic entry on 127.0.0.1 (Traefik's host port, the Docker proxy's), by host,
 * on a connection of its own, within 5 s, with the time it was asked. Never retried: users see every reset.
 */
export function askVersion(port: () => number, host: string): Promise<Answer> {
  const at = new Date().toISOString();
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port: port(), path: "/version", headers: { Host: host }, agent: false, timeout: 5000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ ...answerOf(response.statusCode ?? 0, body), at }));
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error("timeout"), { code: "timeout" })));
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, onPurpose: false, error: error.code ?? error.message, at }));
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Background traffic of `ask`, as users send it (an open model): a request starts every 50 ms whether or not the
 * previous one has answered, at most 4 in flight (a slow answer on a busy machine does not lower the rate until 4 are
 * waiting), at most `maxSeconds` and `maxRequests`, until stopped; it can pause (and then waits for those in flight).
 */
/** Every background traffic still running: a test that fails before it stops its own leaves it to afterEach. */
const running = new Set<() => Promise<unknown>>();

/** Stops every background traffic still running (a suite's afterEach), so a failed test never keeps jest alive. */
export async function stopAllTraffic(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

export function traffic(ask: () => Promise<Answer>, maxSeconds: number, maxRequests = 20 * maxSeconds) {
  const MAX_IN_FLIGHT = 4;
  const answers: Answer[] = [];
  let stopped = false;
  let paused = false;
  let inFlight = 0;
  let started = 0;
  const deadline = Date.now() + maxSeconds * 1000;
  const stop = async () => {
    stopped = true;
    await done;
    running.delete(stop);
    return answers;
  };
  running.add(stop);
  const done = (async () => {
    while (!stopped && Date.now() < deadline && started < maxRequests) {
      if (paused || inFlight >= MAX_IN_FLIGHT) {
        await sleep(10);
        continue;
      }
      inFlight++;
      started++;
      void ask().then((answer) => {
        answers.push(answer);
        inFlight--;
      });
      await sleep(50);
    }
    while (inFlight > 0) await sleep(10);
  })();
  return {
    answers,
    pause: async () => {
      paused = true;
      while (inFlight > 0) await sleep(10);
    },
    resume: () => {
      paused = false;
    },
    stop,
  };
}

/** The share of `canary`'s answers (in percent) over `count` sequential requests of `ask`, and any failure among them. */
export async function canaryShare(ask: () => Promise<Answer>, count: number, canary: string): Promise<{ share: number; failed: number }> {
  let answered = 0;
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const answer = await ask();
    if (answer.status !== 200) failed++;
    else if (answer.version === canary) answered++;
  }
  return { share: (100 * answered) / count, failed };
}

/** Failures the stable track (or the proxy, or Traefik) served: anything but a 200 and the canary's own misbehaviour. */
export const notOnPurpose = (answers: readonly Answer[]) => answers.filter((answer) => answer.status !== 200 && !answer.onPurpose);

/**
 * The command line as a release suite runs it, with the suite's environment and fixture settings as they are when
 * called (both are set in its beforeAll): logs in `logs`, times in `timings`, plans in `work`.
 */
export function releaseCommands(suite: { work: string; logs: string; timings: Timings; env: () => NodeJS.ProcessEnv; settingsDir: () => string }) {
  const envapi = (args: string[], log: string, timeoutSeconds = 900) =>
    mustRun("node", ["scripts/cli.js", ...args], { env: suite.env(), logFile: path.join(suite.logs, `${log}.log`), timeoutSeconds });
  return {
    envapi,
    /** The command line in the background, so the background traffic keeps flowing; its time goes to the timings. */
    envapiAsync: async (args: string[], log: string, timeoutSeconds = 900): Promise<{ status: number | null; output: string }> => {
      const result = await runInBackground("node", ["scripts/cli.js", ...args], suite.env(), path.join(suite.logs, `${log}.log`), timeoutSeconds);
      suite.timings.push(`${args.join(" ")} (${log})`.padEnd(48) + ` ${result.seconds.toFixed(1)} s`);
      return result;
    },
    /** The API's settings as the fixture file says now. */
    api: () => {
      const settings = layeredSettings(suite.settingsDir()).get("staging") as { services: Array<{ name: string; image: { tag: string }; grayRelease: Record<string, unknown> }> };
      return settings.services.find((service) => service.name === "api") as (typeof settings.services)[number];
    },
    /** `npm run plan` of the fixture, summarized by the plan report's code. */
    plan: (log: string) => {
      const plans = path.join(suite.work, "plans", log);
      suite.timings.timed(`plan (${log})`, () => envapi(["plan", plans], `plan-${log}`));
      const [files] = readPlanDir(plans);
      return summarizeStack({ ...files, protected: false });
    },
    history: (): ReleaseRecord[] => readHistory(path.join(suite.settingsDir(), "releases", "staging.json")),
  };
}
