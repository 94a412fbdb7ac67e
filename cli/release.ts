// `npm run release -- <env>` and `npm run rollback -- <env>` on the Docker target and on Kubernetes behind a
// Gateway. A release steps the canary of the environment's service through grayRelease.steps; each step is written
// to the environment's settings file, then applied (Docker: routes first, so nothing the proxy sends traffic to is
// removed before its replacement is ready; Kubernetes: the HTTPRoute's weights, which Terraform applies after the
// Deployments), then judged for grayRelease.analysis.windowSeconds on the canary's own metrics. A failed check writes weight 0,
// applies it and exits non-zero naming the check and the values; passing every step promotes the canary. The
// settings file always says the weight being applied, so running the command again resumes where it stopped.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_SETTINGS_DIR, Environment, HttpServiceSettings, loadEnvironments } from "../settings";
import { judge, Sample, since, Thresholds, Verdict } from "./canary-analysis";
import { canaryTargets, CanaryTargets } from "./canary-targets";
import { CommandError, environmentAfter } from "./_processes";
import { historyFile, readHistory, ReleaseRecord, writeHistory } from "./release-history";
import { readServiceEntry, settingsFile, writeCanary, writeCanaryWeight, writePromotion, writeServiceEntry } from "./release-settings";

/** What the commands need from the command line around them. */
export interface ReleaseContext {
  /** Applies the environment as its settings file now says, traffic first, and returns once it answers so. */
  readonly deploy: (environment: string, env: NodeJS.ProcessEnv) => Promise<void>;
  readonly log: (message: string) => void;
}

const SCRAPE_INTERVAL_MS = 2000;

function settingsDirOf(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.SETTINGS_DIR || DEFAULT_SETTINGS_DIR);
}

/** The platform the environment deploys to: DEPLOY_TARGET, or its settings' target.platform. */
function platformOf(spec: Environment, env: NodeJS.ProcessEnv): "kubernetes" | "docker" {
  return env.DEPLOY_TARGET === "kubernetes" || env.DEPLOY_TARGET === "docker" ? env.DEPLOY_TARGET : spec.target.platform;
}

/** The environment as its settings now say, validated for its target; on Kubernetes, routed by a Gateway. */
function load(environment: string, env: NodeJS.ProcessEnv): Environment {
  const platform = env.DEPLOY_TARGET === "kubernetes" || env.DEPLOY_TARGET === "docker" ? env.DEPLOY_TARGET : undefined;
  const [spec] = loadEnvironments(settingsDirOf(env), { only: [environment], platform });
  if (platformOf(spec, env) === "kubernetes" && spec.ingressController.routing !== "gateway") {
    throw new CommandError(
      `${environment}: a release on Kubernetes needs exact weights: ingressController.routing is "${spec.ingressController.routing}", where a canary's share is its share of the replicas (set routing: gateway)`,
    );
  }
  return spec;
}

/** Where kubectl comes from for a Kubernetes environment: the toolchain's and the cluster script's environment. */
function toolEnvironment(spec: Environment, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (platformOf(spec, env) !== "kubernetes") return env;
  return environmentAfter("scripts/cluster.sh", environmentAfter("scripts/toolchain.sh", env));
}

/** The service a release is about: the one HTTP service with an ingress and a canary tag (or the first with an ingress). */
function releasedService(spec: Environment): HttpServiceSettings {
  const served = spec.services.filter((service): service is HttpServiceSettings => service.kind === "http" && service.ingress !== undefined);
  const service = served.find((candidate) => candidate.grayRelease.canaryTag !== undefined) ?? served[0];
  if (service === undefined) throw new CommandError(`${spec.name}: no service with an ingress to release`);
  return service;
}

/** One release at a time per environment: a lock file naming the process; a dead process's lock is cleared. */
function lock(settingsDir: string, environment: string, context: ReleaseContext): () => void {
  const file = path.join(settingsDir, "releases", `${environment}.lock`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number(fs.readFileSync(file, "utf8"));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new CommandError(`${environment}: a release or rollback is running (process ${pid}, ${file})`);
      context.log(`cleared the stale lock of process ${pid} (${file})`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new CommandError(`${environment}: could not take ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Git is the truth: a file with changes nobody committed is refused, unless this command left it mid-release. */
function refuseUncommitted(file: string, releaseUnderWay: boolean): void {
  const dir = path.dirname(file);
  const inside = spawnSync("git", ["-C", dir, "rev-parse", "--is-inside-work-tree"], { encoding: "utf8" });
  if (inside.status !== 0 || inside.stdout.trim() !== "true") return;
  const status = spawnSync("git", ["-C", dir, "status", "--porcelain", "--", path.basename(file)], { encoding: "utf8" });
  if (status.stdout.trim() !== "" && !releaseUnderWay) {
    throw new CommandError(`${file} has changes that are not committed; commit or stash them first (the release writes this file, and what runs must be what the history can return to)`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Watches the canary for one window; a failure ends it early. Returns the verdict, the seconds the metrics source
 * took to be ready (a Prometheus started and scraping every canary replica) and the seconds of the window itself.
 */
async function analyse(spec: Environment, service: HttpServiceSettings, thresholds: Thresholds, context: ReleaseContext, env: NodeJS.ProcessEnv): Promise<{ verdict: Verdict; readySeconds: number; windowSeconds: number }> {
  const started = Date.now();
  const targets = await canaryTargets(spec, service, platformOf(spec, env), toolEnvironment(spec, env));
  const ready = Date.now();
  try {
    const verdict = await watch(spec, targets, thresholds, context);
    return { verdict, readySeconds: (ready - started) / 1000, windowSeconds: (Date.now() - ready) / 1000 };
  } finally {
    targets.close();
  }
}

async function watch(spec: Environment, targets: CanaryTargets, thresholds: Thresholds, context: ReleaseContext): Promise<Verdict> {
  if (targets.names.length === 0) return { passed: false, text: "no canary replica is running and ready" };
  const start = await targets.sample();
  context.log(`${spec.name}: judging ${targets.names.join(", ")} from ${targets.source} for ${thresholds.windowSeconds} s (success at least ${thresholds.minSuccessPercent}%, p95 at most ${thresholds.maxP95Milliseconds} ms, at least ${thresholds.minRequests} requests)`);
  const ends = Date.now() + thresholds.windowSeconds * 1000;
  for (;;) {
    await sleep(Math.max(0, Math.min(SCRAPE_INTERVAL_MS, ends - Date.now())));
    let now: Sample;
    try {
      now = await targets.sample();
    } catch (error) {
      return { passed: false, text: `a canary replica stopped answering /metrics (${(error as Error).message})` };
    }
    if (now.starts.join() !== start.starts.join()) return { passed: false, text: `a canary replica restarted during the window (process start times ${start.starts.join(", ")} → ${now.starts.join(", ")})` };
    const verdict = judge(since(start, now), thresholds, Date.now() >= ends);
    if (verdict !== undefined) {
      context.log(`analysis of ${targets.names.join(", ")}: ${verdict.passed ? "passed" : "FAILED"}: ${verdict.text}`);
      return verdict;
    }
  }
}

/** Times one step into the record. */
async function timed(record: ReleaseRecord, step: string, action: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await action();
  record.steps[step] = Math.round((Date.now() - started) / 100) / 10;
}

export async function release(environment: string, env: NodeJS.ProcessEnv, context: ReleaseContext): Promise<void> {
  const settingsDir = settingsDirOf(env);
  const file = settingsFile(settingsDir, environment);
  const history = historyFile(settingsDir, environment);
  const unlock = lock(settingsDir, environment, context);
  try {
    let spec = load(environment, env);
    const service = releasedService(spec);
    const records = readHistory(history);
    let record = records.at(-1);
    const underWay = record !== undefined && ["running", "promoting", "rolling-back"].includes(record.status);
    refuseUncommitted(file, underWay);
    const save = () => {
      if (record === undefined) return;
      record.updated = new Date().toISOString();
      writeHistory(history, records);
    };
    const apply = async (step: string) => {
      if (record === undefined) throw new Error("no release record");
      await timed(record, step, () => context.deploy(environment, env));
      save();
    };

    if (record !== undefined && record.status === "rolling-back") {
      context.log(`${environment}: finishing the rollback of ${record.service} ${record.toTag} a run before this one started`);
      writeCanaryWeight(file, record.service, 0);
      await apply("rollback");
      record.status = "rolled-back";
      save();
      throw new CommandError(`${environment}: release of ${record.service} ${record.toTag} rolled back: ${record.reason ?? "interrupted"}`);
    }
    if (record !== undefined && record.status === "promoting") {
      context.log(`${environment}: finishing the promotion of ${record.service} ${record.toTag}`);
      await apply("promote");
      record.status = "promoted";
      save();
      return;
    }

    const { canaryTag, canaryWeight, steps, analysis, canaryConfig } = service.grayRelease;
    if (canaryTag === undefined || (canaryTag === service.image.tag && canaryWeight === 0)) {
      throw new CommandError(`${environment}: nothing to release: services.${service.name}.grayRelease.canaryTag is ${canaryTag === undefined ? "not set" : `the running tag "${canaryTag}"`}`);
    }
    if (!underWay || record === undefined) {
      if (canaryWeight !== 0) context.log(`${environment}: the settings say weight ${canaryWeight} with no release under way: starting the steps from there`);
      const now = new Date().toISOString();
      record = {
        service: service.name,
        fromTag: service.image.tag,
        fromEntry: readServiceEntry(file, service.name) ?? { name: service.name },
        fromConfig: { ...service.config },
        toTag: canaryTag,
        started: now,
        updated: now,
        status: "running",
        steps: {},
      };
      records.push(record);
      save();
    } else {
      context.log(`${environment}: resuming the release of ${record.service} ${record.toTag} at ${canaryWeight}% (the settings file holds the step that was being applied)`);
    }

    const first = canaryWeight === 0 ? 0 : Math.max(0, steps.findIndex((step) => step >= canaryWeight));
    for (const step of steps.slice(first)) {
      context.log(`${environment}: step ${step}%: ${service.name} ${canaryTag}`);
      writeCanaryWeight(file, service.name, step);
      await apply(`${step}%`);
      spec = load(environment, env);
      const { verdict, readySeconds, windowSeconds } = await analyse(spec, releasedService(spec), analysis, context, env);
      // The window alone (what "judged within one window" means), and apart from it the metrics source's start.
      record.steps[`${step}% analysis`] = Math.round(windowSeconds * 10) / 10;
      record.steps[`${step}% metrics ready`] = Math.round(readySeconds * 10) / 10;
      if (!verdict.passed) {
        record.status = "rolling-back";
        record.reason = `at ${step}%: ${verdict.text}`;
        save();
        context.log(`${environment}: the canary failed at ${step}%: rolling back to weight 0`);
        writeCanaryWeight(file, service.name, 0);
        await apply("rollback");
        record.status = "rolled-back";
        save();
        throw new CommandError(`${environment}: release of ${service.name} ${canaryTag} rolled back at ${step}%: ${verdict.text}`);
      }
    }
    record.status = "promoting";
    save();
    context.log(`${environment}: every step passed: promoting ${service.name} ${canaryTag}`);
    writePromotion(file, service.name, canaryTag, canaryConfig);
    await apply("promote");
    record.status = "promoted";
    save();
    context.log(`${environment}: released ${service.name} ${canaryTag} (${Object.entries(record.steps).map(([step, seconds]) => `${step} ${seconds} s`).join(", ")}); commit ${path.relative(process.cwd(), file)} and ${path.relative(process.cwd(), history)}`);
  } finally {
    unlock();
  }
}

/**
 * Returns the environment to the release before the last promotion: through the canary track (the previous image
 * at 100%, routed to before the current containers go), then the service's entry as it was written then.
 */
export async function rollback(environment: string, env: NodeJS.ProcessEnv, context: ReleaseContext): Promise<void> {
  const settingsDir = settingsDirOf(env);
  const file = settingsFile(settingsDir, environment);
  const history = historyFile(settingsDir, environment);
  const unlock = lock(settingsDir, environment, context);
  try {
    const records = readHistory(history);
    const last = [...records].reverse().find((record) => record.status === "promoted");
    if (last === undefined) throw new CommandError(`${environment}: no promoted release to roll back (${history})`);
    const spec = load(environment, env);
    const service = spec.services.find((candidate) => candidate.name === last.service);
    if (service === undefined) throw new CommandError(`${environment}: service ${last.service} of the last release is no longer in the settings`);
    refuseUncommitted(file, service.grayRelease.canaryTag === last.fromTag);
    const record: ReleaseRecord = { ...last, toTag: last.fromTag, started: new Date().toISOString(), updated: "", status: "running", steps: {}, fromTag: service.image.tag };
    context.log(`${environment}: rolling ${last.service} back from ${service.image.tag} to ${last.fromTag}`);
    writeCanary(file, last.service, last.fromTag, 100, last.fromConfig);
    await timed(record, "previous at 100%", () => context.deploy(environment, env));
    writeServiceEntry(file, last.service, last.fromEntry);
    await timed(record, "restore", () => context.deploy(environment, env));
    last.status = "reverted";
    record.status = "rolled-back";
    record.reason = `rollback of ${last.toTag}`;
    record.updated = new Date().toISOString();
    records.push(record);
    writeHistory(history, records);
    context.log(`${environment}: ${last.service} is back at ${last.fromTag}; commit ${path.relative(process.cwd(), file)} and ${path.relative(process.cwd(), history)}`);
  } finally {
    unlock();
  }
}
