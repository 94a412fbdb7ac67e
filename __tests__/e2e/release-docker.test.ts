// End to end, the release command on the Docker target (`npm run release|rollback -- staging`), from fixture
// settings of its own (an environment named staging with its own namespace, port, host, image repository, state
// and a short analysis window): a good canary promoted through 5 → 25 → 100 with the canary's share measured at each
// step; rollback to the previous /version; a bad canary (the misbehaviour switch) rolled back within one analysis
// window while background traffic sees no failure from the stable track; a killed release resumed by the next run.
// Every load loop is bounded in requests and time; traffic goes only to 127.0.0.1.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { ReleaseRecord } from "../../cli/release-history";
import { Answer, askVersion, canaryShare as shareOf, notOnPurpose, releaseCommands, sleep, stopAllTraffic, traffic as backgroundTraffic } from "./_release";
import { cpuHog, docker, freePort, mustRun, patchSettings, settingsCopy, sh, start, Timings, toolchainEnvironment, waitFor } from "./_e2e";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-release-"));
const logs = path.join(work, "logs");
const runId = `release-${Date.now()}-${process.pid}`;
const namespace = `envapi-release-${process.pid}`;
const repository = "envapi-release-e2e";
const mine = `label=e2e-run=${runId}`;
const timings = new Timings();
const { timed } = timings;
/**
 * Share tolerance: the canary's share of SHARE_REQUESTS answers, measured with the background traffic paused, is
 * within this many points of the step. Caddy's weighted round robin is exact over a multiple of its cycle (20
 * requests at 5%, 4 at 25%), so the measurement is expected to be exact; one point (2 requests) is the margin.
 */
const TOLERANCE_POINTS = 1;
const SHARE_REQUESTS = 200;
const WINDOW_SECONDS = 15;
let env: NodeJS.ProcessEnv = process.env;
let settingsDir = "";
let port = 0;
let hog: ReturnType<typeof cpuHog> = { hogs: 0, stop: () => undefined };

const STABLE = "1.0.0";
const CANARY = "2.0.0";
const HOST = "api.release-e2e.localhost";

const { envapi, envapiAsync, api, plan, history } = releaseCommands({ work, logs, timings, env: () => env, settingsDir: () => settingsDir });

/**
 * One answer of /version through the proxy. A connection reset before any byte of an answer is retried once, as
 * browsers and HTTP clients do for an idempotent GET, and every retry is counted in the timings: a reload of the
 * proxy's config resets a fresh connection now and then (docs/release.md, Limits: not yet fixed; measured in a lab
 * about 1 in 1,000 requests across reloads, with Caddy's own sockets and with one socket held for it alike). A retry
 * that fails too is a failure. The Kubernetes suite retries nothing.
 */
async function version(): Promise<Answer> {
  const first = await askVersion(() => port, HOST);
  if (first.error !== "ECONNRESET") return first;
  return { ...(await askVersion(() => port, HOST)), retried: true };
}

const traffic = (maxSeconds: number, maxRequests?: number) => backgroundTraffic(version, maxSeconds, maxRequests);
const canaryShare = (count: number) => shareOf(version, count, CANARY);

function leftovers(): string[] {
  return [
    ...docker("ps", "-a", "--filter", mine, "--format", "container {{.Names}}").split("\n"),
    ...docker("network", "ls", "--filter", mine, "--format", "network {{.Name}}").split("\n"),
    ...docker("volume", "ls", "--filter", mine, "--format", "volume {{.Name}}").split("\n"),
  ].filter(Boolean);
}

describe("release command on the Docker target, end to end", () => {
  beforeAll(async () => {
    fs.mkdirSync(logs, { recursive: true });
    env = toolchainEnvironment(path.join(logs, "toolchain.log"));
    mustRun("scripts/proxy-image.sh", [], { env, logFile: path.join(logs, "proxy-image.log"), timeoutSeconds: 1200 });
    port = await freePort();
    settingsDir = settingsCopy(path.join(work, "settings"), {
      staging: {
        namespace,
        labels: { "e2e-run": runId },
        target: { platform: "docker", docker: { ingressPort: port } },
        backend: { kind: "local", path: path.join(work, "state", "staging.tfstate") },
        services: [
          {
            name: "api",
            image: { repository, tag: STABLE },
            ingress: { host: HOST },
            autoscaling: null,
            grayRelease: { canaryWeight: 0, canaryTag: CANARY, analysis: { windowSeconds: WINDOW_SECONDS, minRequests: 10 } },
          },
        ],
      },
    });
    // Only the fixture environment: nothing else is planned or validated against it.
    for (const other of ["dev", "prod"]) fs.rmSync(path.join(settingsDir, `${other}.yaml`));
    env = { ...env, SETTINGS_DIR: settingsDir, DEPLOY_TARGET: "docker", CDKTF_OUTDIR: path.join(work, "synth"), ENVIRONMENTS: "", TF_VAR_api_db_password: `e2e-${runId}` };
    timed("deploy staging (fixture)", () => envapi(["deploy", "staging"], "deploy"));
    // With E2E_CPU_HOG=N every release and deploy below runs beside N busy loops (a busy machine).
    hog = cpuHog("release-docker");
    timings.push(`CPU hog (E2E_CPU_HOG)`.padEnd(48) + ` ${hog.hogs} busy loops`);
  });

  // A test that fails before it stops its background traffic would keep it (and jest) running to its bound.
  afterEach(() => stopAllTraffic());

  afterAll(() => {
    hog.stop();
    if (leftovers().length > 0) sh("node", ["scripts/cli.js", "destroy", "staging"], { env, logFile: path.join(logs, "destroy.log"), timeoutSeconds: 300 });
    for (const [list, remove] of [
      [["ps", "-aq"], ["rm", "-f"]],
      [["volume", "ls", "-q"], ["volume", "rm"]],
      [["network", "ls", "-q"], ["network", "rm"]],
    ] as const) {
      const found = docker(...list, "--filter", mine).split("\n").filter(Boolean);
      if (found.length > 0) docker(...remove, ...found);
    }
    // Canary images stay on the host by design (a rollback finds them); this run's go.
    for (const tag of [STABLE, CANARY]) docker("rmi", `${namespace}/${repository}:${tag}`);
    fs.rmSync(path.join(work, "state"), { recursive: true, force: true });
    fs.rmSync(path.join(work, "plans"), { recursive: true, force: true });
    process.stderr.write(timings.report(`Release on Docker timings (${os.cpus().length} cores; logs in ${logs})`));
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
      await background.pause();
      shares.push({ step, ...(await canaryShare(SHARE_REQUESTS)) });
      background.resume();
    }
    const code = await waitFor("the release to end", () => (exit === undefined ? undefined : { code: exit }), { timeoutSeconds: 600, intervalSeconds: 1 });
    const answers = await background.stop();
    expect({ code: code.code, tail: fs.readFileSync(log, "utf8").split("\n").slice(-5).join("\n") }).toMatchObject({ code: 0 });
    for (const { step, share } of shares) timings.push(`canary share at ${step}%`.padEnd(48) + ` ${share.toFixed(1)}% of ${SHARE_REQUESTS}`);
    expect(shares.map(({ step }) => step)).toEqual([5, 25, 100]);
    for (const { step, share, failed } of shares) {
      expect(failed).toBe(0);
      expect(Math.abs(share - step)).toBeLessThanOrEqual(TOLERANCE_POINTS);
    }
    // AND no request failed during the whole release, promotion included
    expect(notOnPurpose(answers)).toEqual([]);
    timings.push(`background requests, good release`.padEnd(48) + ` ${answers.length}, failed ${answers.filter((answer) => answer.status !== 200).length}, retried after a reset ${answers.filter((answer) => answer.retried).length}`);
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
    expect(notOnPurpose(answers)).toEqual([]);
    expect((await canaryShare(20)).share).toBe(0);
    expect((await version()).version).toBe(STABLE);
    expect(api().image.tag).toBe(STABLE);
    expect(plan("after-rollback").status).toBe("no-changes");
    for (const [step, seconds] of Object.entries((history().at(-1) as ReleaseRecord).steps)) timings.push(`rollback step ${step}`.padEnd(48) + ` ${seconds} s`);
  });

  test("a bad canary is rolled back within one analysis window; the stable track serves no failed request", async () => {
    // GIVEN a canary answering half its requests with 500 (the misbehaviour switch of its track), released in steps
    // of 25 and 100 (at 5% the background traffic brings it about one request a second, and the verdict waits for
    // minRequests of them: the bound of one window holds, but with little room)
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
    // AND the only failures the traffic saw were the canary's own, never the stable track's or the proxy's
    expect(answers.filter((answer) => answer.onPurpose).length).toBeGreaterThan(0);
    expect(notOnPurpose(answers)).toEqual([]);
    timings.push(`background requests, bad release`.padEnd(48) + ` ${answers.length}, of them the canary's 500s ${answers.filter((answer) => answer.onPurpose).length}, retried after a reset ${answers.filter((answer) => answer.retried).length}`);
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
    timings.push(`background requests, killed and resumed release`.padEnd(48) + ` ${answers.length}, retried after a reset ${answers.filter((answer) => answer.retried).length}`);
    expect(notOnPurpose(answers)).toEqual([]);
    expect(plan("after-resume").status).toBe("no-changes");
  });

  test("destroy leaves no container, network or volume behind", () => {
    timed("destroy", () => envapi(["destroy", "staging"], "destroy", 300));
    expect(leftovers()).toEqual([]);
  });
});
