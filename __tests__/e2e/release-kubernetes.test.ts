// End to end, the release command on Kubernetes (`npm run release|rollback -- staging`) on a node that runs
// containers (the real local node here, kind elsewhere), behind the cluster step's Traefik and Gateway, from fixture
// settings of its own (an environment named staging with its own namespace, host, image repository, state and a
// short analysis window): the route's weights measured through Traefik at 5, 25 and 100% (and 0) with no failed
// request while they change; a good canary promoted through 5 → 25 → 100 with the canary's share measured at each
// step; rollback to the previous /version; a bad canary (the misbehaviour switch) rolled back within one analysis
// window with no failed request from the stable track; a killed release resumed by the next run.
// Every load loop is bounded in requests and time; traffic goes only to 127.0.0.1 (Traefik's host port).
// It uses the host's one real node: run it holding the machine's e2e lock (flock /work/.e2e.lock ... on the shared
// machine), like the other real-node suites.
//   E2E_REUSE_CLUSTER=1  reuse a running cluster (default: a fresh one)   E2E_KEEP_CLUSTER=1  leave it running
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { environmentAfter } from "../../cli/_processes";
import { ReleaseRecord } from "../../cli/release-history";
import { askVersion, canaryShare as shareOf, notOnPurpose, releaseCommands, sleep, stopAllTraffic, traffic as backgroundTraffic } from "./_release";
import { cpuHog, docker, mustRun, patchSettings, settingsCopy, sh, start, Timings, waitFor } from "./_e2e";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-release-k8s-"));
const logs = path.join(work, "logs");
const runId = `release-k8s-${Date.now()}-${process.pid}`;
const namespace = "envapi-release-k8s";
const repository = "envapi-release-k8s-e2e";
const timings = new Timings();
const { timed } = timings;
/**
 * Share tolerance: the canary's share of SHARE_REQUESTS answers through Traefik, measured with the background
 * traffic paused, is within this many points of the step. Traefik splits an HTTPRoute's weighted backends by a
 * weighted round robin (exact over a cycle), so the measurement is expected to be exact or nearly; 2 points (8
 * requests of 400) is the margin, for a request or two routed under the previous weights while Traefik reloads.
 */
const TOLERANCE_POINTS = 2;
const SHARE_REQUESTS = 400;
const WINDOW_SECONDS = 15;
/** Traefik's web entry point on the node: the host's port 80 (cluster/traffic-entry.yaml, hostPort). */
const ENTRY_PORT = 80;
let env: NodeJS.ProcessEnv = process.env;
let settingsDir = "";
let clusterStarted = false;
let hog: ReturnType<typeof cpuHog> = { hogs: 0, stop: () => undefined };

const STABLE = "1.0.0";
const CANARY = "2.0.0";
const HOST = "api.release-k8s.localhost";
/** The bad canary judged from Prometheus: a tag of its own, so the test runs after any of the others, or alone. */
const PROMETHEUS_CANARY = "3.0.0";

const { envapi, envapiAsync, api, plan, history } = releaseCommands({ work, logs, timings, env: () => env, settingsDir: () => settingsDir });

/** One answer of /version through Traefik by the fixture's host (never retried). */
const version = () => askVersion(() => ENTRY_PORT, HOST);

const traffic = (maxSeconds: number, maxRequests?: number) => backgroundTraffic(version, maxSeconds, maxRequests);
const canaryShare = (count: number) => shareOf(version, count, CANARY);

/** kubectl on the test's cluster; `-o json` output parsed. */
function kc(...args: string[]): any {
  return JSON.parse(mustRun("kubectl", ["--context", env.CLUSTER_CONTEXT as string, "--request-timeout=20s", ...args, "-o", "json"], { env, timeoutSeconds: 60 }));
}

/** A GET of http://<address>/metrics from this host (no proxy, no tunnel), within 3 s: its status, or 0 and the error. */
function metricsFromHost(address: string): Promise<{ status: number; error?: string }> {
  return new Promise((resolve) => {
    const request = http.get(`http://${address}/metrics`, { agent: false, timeout: 3000 }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0 }));
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error("timeout"), { code: "timeout" })));
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, error: error.code ?? error.message }));
  });
}

/** Traefik's provider applies a new configuration at most every 2 s (providers.providersThrottleDuration, default). */
const TRAEFIK_THROTTLE_MS = 2000;

/**
 * Waits until Traefik has taken the route's current generation (its status names it, Accepted) and then its
 * provider throttle: from then on the answers follow the new weights. Returns the seconds it took.
 */
async function routeTaken(): Promise<number> {
  const started = Date.now();
  await waitFor("Traefik to accept the HTTPRoute's current generation", () => {
    const route = kc("-n", namespace, "get", "httproute", "api");
    const conditions = (route.status?.parents ?? []).flatMap((parent: { conditions?: Array<{ type: string; status: string; observedGeneration?: number }> }) => parent.conditions ?? []);
    return conditions.some((condition: { type: string; status: string; observedGeneration?: number }) => condition.type === "Accepted" && condition.status === "True" && condition.observedGeneration === route.metadata.generation);
  }, { timeoutSeconds: 30, intervalSeconds: 0.2 });
  await sleep(TRAEFIK_THROTTLE_MS);
  return (Date.now() - started) / 1000;
}

describe("release command on Kubernetes (real node, Traefik, Gateway API), end to end", () => {
  beforeAll(() => {
    fs.mkdirSync(logs, { recursive: true });
    mustRun("scripts/toolchain.sh", ["all"], { logFile: path.join(logs, "toolchain.log"), timeoutSeconds: 2400 });
    env = environmentAfter("scripts/toolchain.sh", process.env);
    if (process.env.E2E_REUSE_CLUSTER !== "1") mustRun("scripts/cluster.sh", ["down"], { env, logFile: path.join(logs, "cluster-down-before.log") });
    clusterStarted = true;
    timed("cluster up", () => mustRun("scripts/cluster.sh", ["up"], { env, logFile: path.join(logs, "cluster-up.log"), timeoutSeconds: 2400 }));
    env = environmentAfter("scripts/cluster.sh", env);
    const kubeconfig = env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config");
    settingsDir = settingsCopy(path.join(work, "settings"), {
      base: { target: { kubernetes: { configPath: kubeconfig, context: env.CLUSTER_CONTEXT } } },
      staging: {
        namespace,
        labels: { "e2e-run": runId },
        target: { platform: "kubernetes" },
        backend: { kind: "local", path: path.join(work, "state", "staging.tfstate") },
        services: [
          {
            name: "api",
            image: { repository, tag: STABLE },
            ingress: { host: HOST },
            grayRelease: { canaryWeight: 0, canaryTag: CANARY, analysis: { windowSeconds: WINDOW_SECONDS, minRequests: 10 } },
          },
        ],
      },
    });
    // Only the fixture environment: nothing else is planned or validated against it.
    for (const other of ["dev", "prod"]) fs.rmSync(path.join(settingsDir, `${other}.yaml`));
    env = { ...env, SETTINGS_DIR: settingsDir, DEPLOY_TARGET: "kubernetes", CDKTF_OUTDIR: path.join(work, "synth"), ENVIRONMENTS: "", TF_VAR_api_db_password: `e2e-${runId}` };
    timed("deploy staging (fixture)", () => envapi(["deploy", "staging"], "deploy"));
    // With E2E_CPU_HOG=N every release and deploy below runs beside N busy loops (a busy machine).
    hog = cpuHog("release-kubernetes");
    timings.push(`CPU hog (E2E_CPU_HOG)`.padEnd(48) + ` ${hog.hogs} busy loops`);
  });

  // A test that fails before it stops its background traffic would keep it (and jest) running to its bound.
  afterEach(() => stopAllTraffic());

  afterAll(() => {
    hog.stop();
    if (settingsDir !== "") sh("node", ["scripts/cli.js", "destroy", "staging"], { env, logFile: path.join(logs, "destroy.log"), timeoutSeconds: 300 });
    for (const tag of [STABLE, CANARY, PROMETHEUS_CANARY]) docker("rmi", `${repository}:${tag}`);
    if (clusterStarted && process.env.E2E_KEEP_CLUSTER !== "1") sh("scripts/cluster.sh", ["down"], { env, logFile: path.join(logs, "cluster-down.log") });
    fs.rmSync(path.join(work, "state"), { recursive: true, force: true });
    fs.rmSync(path.join(work, "plans"), { recursive: true, force: true });
    process.stderr.write(timings.report(`Release on Kubernetes timings (${os.cpus().length} cores; logs in ${logs})`));
  });

  test("the route's weights, applied with deploy, split the requests through Traefik; no request fails while they change", async () => {
    // GIVEN stable 1.0.0 and the canary's pod (2.0.0, weight 0) running, and background traffic
    await waitFor("20 answers of the stable track in a row through Traefik", async () => {
      for (let i = 0; i < 20; i++) if ((await version()).version !== STABLE) return false;
      return true;
    }, { timeoutSeconds: 120, intervalSeconds: 1 });
    const background = traffic(900);
    const shares: Array<{ weight: number; share: number; failed: number }> = [];
    // WHEN each weight is deployed  THEN the canary's share of 400 requests is that weight
    for (const weight of [5, 25, 100, 0]) {
      patchSettings(settingsDir, { staging: { services: [{ name: "api", grayRelease: { canaryWeight: weight } }] } });
      // In the background (not spawnSync), so the traffic keeps flowing while the weight changes: three earlier runs
      // deployed synchronously, which blocked this process's event loop for the whole deploy, so a request in flight
      // then was counted as a 5 s timeout when the loop came back (and no traffic flowed during the deploys).
      const deployed = await envapiAsync(["deploy", "staging"], `deploy-${weight}`);
      expect({ weight, status: deployed.status }).toEqual({ weight, status: 0 });
      timings.push(`route taken by Traefik after deploy (${weight}%)`.padEnd(48) + ` ${(await routeTaken()).toFixed(1)} s (throttle ${TRAEFIK_THROTTLE_MS / 1000} s included)`);
      await background.pause();
      const started = Date.now();
      shares.push({ weight, ...(await canaryShare(SHARE_REQUESTS)) });
      timings.push(`${SHARE_REQUESTS} requests at ${weight}%`.padEnd(48) + ` ${((Date.now() - started) / 1000).toFixed(1)} s`);
      background.resume();
    }
    const answers = await background.stop();
    for (const { weight, share } of shares) timings.push(`canary share at ${weight}% (deploy)`.padEnd(48) + ` ${share.toFixed(2)}% of ${SHARE_REQUESTS}`);
    for (const { weight, share, failed } of shares) {
      expect({ weight, failed }).toEqual({ weight, failed: 0 });
      expect({ weight, off: Math.abs(share - weight) <= TOLERANCE_POINTS, share }).toMatchObject({ weight, off: true });
    }
    // AND the background traffic saw no failure through every step, 100 back to 0 included
    timings.push(`background requests, deployed weights`.padEnd(48) + ` ${answers.length}, failed ${answers.filter((answer) => answer.status !== 200).length}`);
    expect(notOnPurpose(answers)).toEqual([]);
    expect(plan("after-weights").status).toBe("no-changes");
  });

  test("a good canary is promoted through 5 → 25 → 100, the canary's share at each step within tolerance", async () => {
    // GIVEN stable 1.0.0 serving, and background traffic
    expect((await version()).version).toBe(STABLE);
    const background = traffic(600);
    // WHEN the release runs
    const log = path.join(logs, "release-good.log");
    const release = start("node", ["scripts/cli.js", "release", "staging"], env, log);
    let exit: number | null | undefined;
    void release.done.then((code) => (exit = code));
    const steps = api().grayRelease.steps as number[] | undefined;
    const shares: Array<{ step: number; share: number; failed: number }> = [];
    // THEN during each step's analysis window, the share of canary answers is the step's weight
    for (const [index, step] of (steps ?? [5, 25, 100]).entries()) {
      await waitFor(`the analysis window of step ${step}%`, () => exit !== undefined || (fs.readFileSync(log, "utf8").match(/judging /g) ?? []).length > index, { timeoutSeconds: 600, intervalSeconds: 0.5 });
      if (exit !== undefined) break;
      await routeTaken();
      await background.pause();
      shares.push({ step, ...(await canaryShare(SHARE_REQUESTS)) });
      background.resume();
    }
    const code = await waitFor("the release to end", () => (exit === undefined ? undefined : { code: exit }), { timeoutSeconds: 600, intervalSeconds: 1 });
    const answers = await background.stop();
    expect({ code: code.code, tail: fs.readFileSync(log, "utf8").split("\n").slice(-5).join("\n") }).toMatchObject({ code: 0 });
    for (const { step, share } of shares) timings.push(`canary share at ${step}% (release)`.padEnd(48) + ` ${share.toFixed(2)}% of ${SHARE_REQUESTS}`);
    expect(shares.map(({ step }) => step)).toEqual([5, 25, 100]);
    for (const { step, share, failed } of shares) {
      expect(failed).toBe(0);
      expect({ step, off: Math.abs(share - step) <= TOLERANCE_POINTS, share }).toMatchObject({ step, off: true });
    }
    // AND no request failed during the whole release, promotion included
    timings.push(`background requests, good release`.padEnd(48) + ` ${answers.length}, failed ${answers.filter((answer) => answer.status !== 200).length}`);
    expect(notOnPurpose(answers)).toEqual([]);
    // AND the settings file names the new stable tag and no canary; a plan shows nothing to do; every answer is 2.0.0
    const file = parse(fs.readFileSync(path.join(settingsDir, "staging.yaml"), "utf8")) as { services: Array<{ image: { tag: string }; grayRelease: Record<string, unknown> }> };
    expect(file.services[0].image.tag).toBe(CANARY);
    expect(file.services[0].grayRelease).not.toHaveProperty("canaryTag");
    expect(plan("after-promotion").status).toBe("no-changes");
    expect((await canaryShare(20)).share).toBe(100);
    const record = history().at(-1) as ReleaseRecord;
    expect(record).toMatchObject({ status: "promoted", fromTag: STABLE, toTag: CANARY });
    for (const [step, seconds] of Object.entries(record.steps)) timings.push(`release step ${step}`.padEnd(48) + ` ${seconds} s`);
  });

  test("rollback after the promotion returns the previous /version, with no failed request", async () => {
    const background = traffic(300);
    const { status, output } = await envapiAsync(["rollback", "staging"], "rollback");
    const answers = await background.stop();
    expect({ status, tail: output.split("\n").slice(-5).join("\n") }).toMatchObject({ status: 0 });
    expect(answers.length).toBeGreaterThan(100);
    timings.push(`background requests, rollback`.padEnd(48) + ` ${answers.length}, failed ${answers.filter((answer) => answer.status !== 200).length}`);
    expect(notOnPurpose(answers)).toEqual([]);
    expect((await canaryShare(20)).share).toBe(0);
    expect((await version()).version).toBe(STABLE);
    expect(api().image.tag).toBe(STABLE);
    expect(plan("after-rollback").status).toBe("no-changes");
    for (const [step, seconds] of Object.entries((history().at(-1) as ReleaseRecord).steps)) timings.push(`rollback step ${step}`.padEnd(48) + ` ${seconds} s`);
  });

  test("a bad canary is rolled back within one analysis window; the stable track serves no failed request", async () => {
    // GIVEN a canary answering half its requests with 500 (the misbehaviour switch of its track), released in steps
    // of 25 and 100 (as on Docker: at 5% the background traffic brings it about one request a second)
    patchSettings(settingsDir, { staging: { services: [{ name: "api", grayRelease: { canaryTag: CANARY, canaryWeight: 0, steps: [25, 100], canaryMisbehave: { errorPercent: 50 } } }] } });
    const background = traffic(300);
    // WHEN released  THEN it fails at the first step, naming the check and the measured values
    const { status, output } = await envapiAsync(["release", "staging"], "release-bad", 600);
    const answers = await background.stop();
    expect(status).toBe(1);
    expect(output).toMatch(/release of api 2\.0\.0 rolled back at 25%: success rate \d+\.\d% is below 99% \(\d+ of \d+ requests succeeded/);
    // AND the verdict came within one window
    const record = history().at(-1) as ReleaseRecord;
    expect(record.status).toBe("rolled-back");
    expect(record.steps["25% analysis"]).toBeLessThanOrEqual(WINDOW_SECONDS + 1);
    timings.push(`bad canary: verdict after`.padEnd(48) + ` ${record.steps["25% analysis"]} s (window ${WINDOW_SECONDS} s)`);
    for (const [step, seconds] of Object.entries(record.steps)) timings.push(`bad release step ${step}`.padEnd(48) + ` ${seconds} s`);
    // AND the only failures the traffic saw were the canary's own, never the stable track's or Traefik's
    expect(answers.filter((answer) => answer.onPurpose).length).toBeGreaterThan(0);
    expect(notOnPurpose(answers)).toEqual([]);
    timings.push(`background requests, bad release`.padEnd(48) + ` ${answers.length}, of them the canary's 500s ${answers.filter((answer) => answer.onPurpose).length}`);
    // AND the weight is back at 0, in the file and in what runs
    expect(api().grayRelease.canaryWeight).toBe(0);
    expect((await canaryShare(20)).share).toBe(0);
    expect(plan("after-bad-canary").status).toBe("no-changes");
  });

  test("a release killed midway is resumed by the next run, which clears its stale lock", async () => {
    // GIVEN a good canary again, and a release killed (SIGKILL, the whole process group) during its second step
    patchSettings(settingsDir, { staging: { services: [{ name: "api", grayRelease: { canaryMisbehave: null, steps: null } }] } });
    const background = traffic(900);
    const log = path.join(logs, "release-killed.log");
    const release = start("node", ["scripts/cli.js", "release", "staging"], env, log);
    let exit: number | null | undefined;
    void release.done.then((code) => (exit = code));
    await waitFor("the second step to be applied", () => exit !== undefined || /step 25%/.test(fs.readFileSync(log, "utf8")), { timeoutSeconds: 600, intervalSeconds: 0.5 });
    expect({ exit, tail: fs.readFileSync(log, "utf8").split("\n").slice(-3).join("\n") }).toMatchObject({ exit: undefined });
    await sleep(2000);
    process.kill(-release.pid, "SIGKILL");
    await release.done;
    expect(api().grayRelease.canaryWeight).toBe(25);
    // WHEN the command runs again
    const { status, output } = await envapiAsync(["release", "staging"], "release-resumed");
    const answers = await background.stop();
    expect({ status, tail: output.split("\n").slice(-5).join("\n") }).toMatchObject({ status: 0 });
    // THEN it cleared the lock, resumed at the step the file holds, and promoted
    expect(output).toMatch(/cleared the stale lock of process \d+/);
    expect(output).toContain(`resuming the release of api ${CANARY} at 25%`);
    expect((history().at(-1) as ReleaseRecord).status).toBe("promoted");
    expect((await version()).version).toBe(CANARY);
    timings.push(`background requests, killed and resumed release`.padEnd(48) + ` ${answers.length}, failed ${answers.filter((answer) => answer.status !== 200).length}`);
    expect(notOnPurpose(answers)).toEqual([]);
    expect(plan("after-resume").status).toBe("no-changes");
  });

  test("a bad canary judged from a real Prometheus (Debian's), scraping both tracks' pods through a NetworkPolicy of their own, is rolled back", async () => {
    // GIVEN this host's address towards the pods (what the pods see a scraper on the host come from)
    const stableTag = api().image.tag;
    const pods = kc("-n", namespace, "get", "pods", "-l", "app.kubernetes.io/name=api,track=stable").items as Array<{ status: { podIP: string } }>;
    const podAddress = `${pods[0].status.podIP}:8080`;
    const source = /\bsrc (\S+)/.exec(mustRun("ip", ["-4", "route", "get", pods[0].status.podIP]))?.[1];
    expect(source).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const before = await metricsFromHost(podAddress);
    timings.push(`/metrics of a pod from the host, no scraper policy`.padEnd(48) + ` ${before.status === 200 ? "answered 200" : `refused (${before.error ?? before.status})`}`);
    // AND a canary of a new tag answering half its requests with 500, judged from Prometheus, the scraper admitted
    patchSettings(settingsDir, {
      staging: {
        metricsScraper: { cidr: `${source}/32` },
        services: [{ name: "api", grayRelease: { canaryTag: PROMETHEUS_CANARY, canaryWeight: 0, steps: [25, 100], canaryMisbehave: { errorPercent: 50 }, analysis: { source: "prometheus" } } }],
      },
    });
    const background = traffic(300);
    // WHEN released
    const { status, output } = await envapiAsync(["release", "staging"], "release-bad-prometheus", 600);
    const answers = await background.stop();
    // THEN Prometheus judged it, at the first step, naming the check and the measured values
    expect(status).toBe(1);
    expect(output).toMatch(/judging api-canary-\S+ from Prometheus at http:\/\/127\.0\.0\.1:\d+ \(scraping /);
    expect(output).toMatch(new RegExp(`release of api ${PROMETHEUS_CANARY.replace(/\./g, "\\.")} rolled back at 25%: success rate \\d+\\.\\d% is below 99%`));
    const record = history().at(-1) as ReleaseRecord;
    expect(record.status).toBe("rolled-back");
    timings.push(`bad canary from Prometheus: verdict after`.padEnd(48) + ` ${record.steps["25% analysis"]} s of the window (${WINDOW_SECONDS} s), Prometheus ready after ${record.steps["25% metrics ready"]} s`);
    for (const [step, seconds] of Object.entries(record.steps)) timings.push(`bad release (Prometheus) step ${step}`.padEnd(48) + ` ${seconds} s`);
    expect(record.steps["25% analysis"]).toBeLessThanOrEqual(WINDOW_SECONDS + 1);
    // AND the scraper's policy admits that address to the HTTP port only; the stable track served no failure
    const policy = kc("-n", namespace, "get", "networkpolicy", "allow-metrics-scraper-api");
    expect(policy.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: `${source}/32` } }], ports: [{ port: 8080, protocol: "TCP" }] }]);
    expect(answers.filter((answer) => answer.onPurpose).length).toBeGreaterThan(0);
    expect(notOnPurpose(answers)).toEqual([]);
    expect(api().grayRelease.canaryWeight).toBe(0);
    const after = await Promise.all(Array.from({ length: 20 }, () => version()));
    expect(after.map((answer) => answer.version)).toEqual(Array(20).fill(stableTag));
    expect(plan("after-prometheus").status).toBe("no-changes");
  });
});
