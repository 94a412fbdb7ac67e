// `npm run plan:pr -- --base <ref>`: the pull request's plan report for the working tree against a base revision.
//
//   base mode (default): the base revision (a git worktree of it) is synthesized and applied to throwaway targets
//     made for the purpose (a local control plane of its own name and kubeconfig; a private Docker engine in its
//     own network namespace, or with --docker-engine current the job's throwaway engine), with throwaway local
//     state and secrets; the head is planned against that state, so each plan is exactly what the pull request
//     changes. Nothing the user runs is touched.
//   live mode: the head is planned against the environments' real state and targets (their backends and
//     credentials); each change is split into the pull request's own, the base branch's (merged, not yet
//     deployed) and drift (changed outside Terraform).
//
// Every changed resource is traced to its cause (review/trace-causes.ts): the construct, the settings key with its
// file and old and new value, or the code. The plans, causes and report land in --out.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { attributeChanges, changeKind, ChangeOrigin, parsePlanJson, PlanJson, PlanResourceChange, runPlanReport, StackCausesJson } from "../plan-report";
import { SettingsRevision, synthesizedResources, traceCauses } from "../review";
import { ConfigError, DEFAULT_SETTINGS_DIR, layeredSettings, Platform, PLATFORMS } from "../settings";
import { readStackFacts, StackFacts, synthesizeApp } from "../stacks";
import { capture, CommandError, environmentAfter, run } from "./_processes";
import { deploySecrets } from "./_secrets";
import { planStacks } from "./plan-stacks";

export const PLAN_PR_USAGE = `Usage: envapi plan-pr --base <git ref> [options]

  --base <ref>            the revision the pull request goes into (a branch, tag or commit; its history must be
                          fetched)
  --mode base|live        base (default): plan against the base applied to throwaway targets; live: plan against
                          the real state and targets, showing the base branch's undeployed changes and drift apart
  --out <dir>             where the plans (<dir>/plans), report.md and summary.json go (default: pr-plan)
  --targets <list>        kubernetes,docker (default: both)
  --docker-engine <which> private (default; needs root): a Docker engine of its own; current: the one DOCKER_HOST or
                          the default socket names, for a CI job whose engine is thrown away
  --run-url <url>         link to the CI run that holds the plans

ENVIRONMENTS limits the stacks; the TF_VAR_* secrets are used in live mode (base mode makes up throwaway ones).`;

export interface PlanPrOptions {
  readonly base: string;
  readonly mode: "base" | "live";
  readonly out: string;
  readonly targets: readonly Platform[];
  readonly dockerEngine: "private" | "current";
  readonly runUrl?: string;
}

export class PlanPrUsageError extends Error {}

/** Parses plan-pr's arguments; every problem is reported at once. */
export function parsePlanPrArgs(argv: readonly string[]): PlanPrOptions {
  const values = new Map<string, string>();
  const problems: string[] = [];
  const known = ["--base", "--mode", "--out", "--targets", "--docker-engine", "--run-url"];
  for (let index = 0; index < argv.length; index += 1) {
    const [flag, inline] = argv[index].split(/=(.*)/s, 2);
    if (!known.includes(flag)) {
      problems.push(`unknown argument "${argv[index]}" (known: ${known.join(", ")})`);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined || value === "") problems.push(`${flag} needs a value`);
    else values.set(flag, value);
  }
  const base = values.get("--base");
  if (base === undefined) problems.push("--base is required (the branch the pull request goes into, e.g. origin/main)");
  else if (base.startsWith("-") || /[\s\0]/.test(base)) problems.push(`--base "${base}" is not a git revision (no leading "-", no spaces)`);
  const mode = values.get("--mode") ?? "base";
  if (mode !== "base" && mode !== "live") problems.push(`--mode "${mode}" is not a mode (base or live)`);
  const targets = (values.get("--targets") ?? PLATFORMS.join(",")).split(",").map((target) => target.trim());
  for (const target of targets) if (!PLATFORMS.includes(target as Platform)) problems.push(`--targets: "${target}" is not a target (${PLATFORMS.join(", ")})`);
  const dockerEngine = values.get("--docker-engine") ?? "private";
  if (dockerEngine !== "private" && dockerEngine !== "current") problems.push(`--docker-engine "${dockerEngine}" is not private or current`);
  if (problems.length > 0) throw new PlanPrUsageError(problems.map((problem) => `envapi plan-pr: ${problem}`).join("\n"));
  return {
    base: base as string,
    mode: mode as PlanPrOptions["mode"],
    out: values.get("--out") ?? "pr-plan",
    targets: [...new Set(targets)] as Platform[],
    dockerEngine: dockerEngine as PlanPrOptions["dockerEngine"],
    ...(values.has("--run-url") ? { runUrl: values.get("--run-url") } : {}),
  };
}

type Log = (message: string) => void;

const git = (args: readonly string[], cwd: string) => capture("git", args, { cwd, quiet: true }).trim();

/** The base revision as a git worktree of its own, with its dependencies installed; removed by the returned function. */
function baseWorktree(root: string, commit: string, work: string, log: Log): { dir: string; remove: () => void } {
  const dir = path.join(work, "base");
  run("git", ["worktree", "add", "--quiet", "--detach", dir, commit], { cwd: root });
  const remove = () => {
    fs.rmSync(path.join(dir, "node_modules"), { force: true, recursive: true });
    run("git", ["worktree", "remove", "--force", dir], { cwd: root });
  };
  try {
    const lock = (tree: string) => (fs.existsSync(path.join(tree, "package-lock.json")) ? fs.readFileSync(path.join(tree, "package-lock.json"), "utf8") : "");
    if (lock(dir) === lock(root) && fs.existsSync(path.join(root, "node_modules"))) {
      fs.rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
      fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules")), path.join(dir, "node_modules"));
    } else {
      log("the base has other dependencies: npm ci in its worktree");
      run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir });
    }
    return { dir, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Synthesizes the base revision with its own code: its cdktf.json app command, run in its worktree. */
function synthesizeBase(dir: string, outdir: string, target: Platform, env: NodeJS.ProcessEnv): void {
  const app = (JSON.parse(fs.readFileSync(path.join(dir, "cdktf.json"), "utf8")) as { app?: unknown }).app;
  if (typeof app !== "string" || app === "") throw new CommandError(`${dir}/cdktf.json: the base revision has no app command to synthesize with`);
  const { SETTINGS_DIR: _settings, ...rest } = env;
  try {
    capture("sh", ["-c", app], { cwd: dir, env: { ...rest, DEPLOY_TARGET: target, CDKTF_OUTDIR: outdir } });
  } catch (error) {
    throw new CommandError(`the base revision cannot be synthesized for ${target} (${(error as Error).message}); its output is above`);
  }
}

/** The stacks synthesized into `outdir`, by name. */
function stacksIn(outdir: string): Map<string, StackFacts> {
  const dir = path.join(outdir, "stacks");
  if (!fs.existsSync(dir)) return new Map();
  return new Map(fs.readdirSync(dir).sort().map((name) => [name, readStackFacts(path.join(dir, name))]));
}

/** A made-up value for every secret of the stacks, the same for the base's apply and the head's plan. */
function throwawaySecrets(stacks: Iterable<StackFacts>, work: string): NodeJS.ProcessEnv {
  const values: NodeJS.ProcessEnv = {};
  for (const facts of stacks) {
    for (const { env } of facts.secretVariables) values[env] ??= `throwaway-${randomBytes(12).toString("hex")}`;
    for (const { variable } of facts.secretFiles) {
      const file = path.join(work, "secrets", variable);
      if (!fs.existsSync(file)) {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.writeFileSync(file, `throwaway-${randomBytes(12).toString("hex")}`, { mode: 0o600 });
      }
      values[`TF_VAR_${variable}`] = file;
    }
  }
  return values;
}

/** A throwaway target: what Terraform's environment needs to reach it, and how to take it down. */
interface ThrowawayTarget {
  readonly env: NodeJS.ProcessEnv;
  readonly down: () => void;
}

/**
 * A local control plane of its own (kwok: plans and applies need only the API server), reachable under the
 * kubeconfig and context names the stacks use: Terraform runs with HOME pointing at a folder whose
 * ~/.kube/config names it so.
 */
function throwawayCluster(stacks: readonly StackFacts[], work: string, env: NodeJS.ProcessEnv, log: Log): ThrowawayTarget {
  const kubeconfig = path.join(work, "cluster.kubeconfig");
  const clusterEnv = { ...env, CLUSTER_PROVIDER: "kwok", CLUSTER_NAME: env.PLAN_PR_CLUSTER_NAME || "envapi-review", CLUSTER_KUBECONFIG: kubeconfig };
  const down = () => run("scripts/cluster.sh", ["down"], { env: clusterEnv });
  const contexts = new Set<string>();
  for (const facts of stacks) {
    if (!("context" in facts.connection)) continue;
    if (facts.connection.kubeconfig !== "~/.kube/config") {
      throw new CommandError(`${facts.stack}: target.kubernetes.configPath "${facts.connection.kubeconfig}" is not ~/.kube/config: base mode points that file at its own cluster, and can only do so for ~/.kube/config`);
    }
    contexts.add(facts.connection.context);
  }
  log(`throwaway cluster ${clusterEnv.CLUSTER_NAME} (kwok), kubeconfig ${kubeconfig}`);
  down();
  run("scripts/cluster.sh", ["up"], { env: clusterEnv });
  const config = parse(fs.readFileSync(kubeconfig, "utf8")) as { contexts?: Array<{ name: string; context: unknown }>; "current-context"?: string };
  const own = config.contexts?.find((entry) => entry.name === `kind-${clusterEnv.CLUSTER_NAME}`);
  if (!own) throw new CommandError(`${kubeconfig}: has no context kind-${clusterEnv.CLUSTER_NAME}`);
  config.contexts = [...contexts].map((name) => ({ name, context: own.context }));
  config["current-context"] = [...contexts][0];
  const home = path.join(work, "home");
  fs.mkdirSync(path.join(home, ".kube"), { recursive: true });
  fs.writeFileSync(path.join(home, ".kube", "config"), stringify(config), { mode: 0o600 });
  return { env: { HOME: home }, down };
}

/**
 * A private Docker engine (scripts/review-docker.sh) holding the images the stacks use but do not build. Terraform
 * reaches it at the address the stacks name (unix:///var/run/docker.sock): it runs in a mount namespace of its own
 * where that socket is the private engine's.
 */
function throwawayDockerEngine(stacks: readonly StackFacts[], synthDirs: readonly string[], work: string, env: NodeJS.ProcessEnv): ThrowawayTarget {
  for (const facts of stacks) {
    if ("dockerHost" in facts.connection && facts.connection.dockerHost !== "unix:///var/run/docker.sock") {
      throw new CommandError(`${facts.stack}: target.docker.host "${facts.connection.dockerHost}" is not unix:///var/run/docker.sock: base mode's private engine stands in for that socket only (or use --docker-engine current)`);
    }
  }
  const down = () => run("scripts/review-docker.sh", ["down"], { env });
  const socket = capture("scripts/review-docker.sh", ["up"], { env }).trim().replace(/^REVIEW_DOCKER_HOST=unix:\/\//, "");
  try {
    const images = new Set<string>();
    for (const dir of synthDirs) {
      for (const stack of fs.existsSync(path.join(dir, "stacks")) ? fs.readdirSync(path.join(dir, "stacks")) : []) {
        const json = JSON.parse(fs.readFileSync(path.join(dir, "stacks", stack, "cdk.tf.json"), "utf8")) as { resource?: { docker_image?: Record<string, { name?: string; build?: { build_args?: Record<string, string> } }> } };
        for (const image of Object.values(json.resource?.docker_image ?? {})) {
          if (image.build === undefined && image.name) images.add(image.name);
          const builder = image.build?.build_args?.BUILDER_IMAGE;
          if (builder) images.add(builder);
        }
      }
    }
    if (images.size > 0) run("scripts/review-docker.sh", ["load", ...[...images].sort()], { env });
    const wrapper = path.join(work, "terraform-private-docker");
    const terraform = env.TERRAFORM_BINARY_NAME || "terraform";
    fs.writeFileSync(
      wrapper,
      [
        "#!/bin/sh",
        "# Terraform with /var/run/docker.sock bound to the private engine of scripts/review-docker.sh (this mount namespace only).",
        `exec unshare --mount --propagation private sh -c 'mount --bind "$0" /var/run/docker.sock && exec "$@"' ${JSON.stringify(socket)} ${JSON.stringify(terraform)} "$@"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    return { env: { TERRAFORM_BINARY_NAME: wrapper }, down };
  } catch (error) {
    down();
    throw error;
  }
}

function readPlan(folder: string): PlanJson | undefined {
  const file = path.join(folder, "plan.json");
  return fs.existsSync(file) ? parsePlanJson(fs.readFileSync(file, "utf8"), file) : undefined;
}

/** The changes of a plan that change something (reads and no-ops left out), by address. */
function changesOf(plan: PlanJson | undefined): Map<string, PlanResourceChange> {
  return new Map(
    (plan?.resource_changes ?? [])
      .filter((change) => {
        const kind = changeKind(change);
        return kind !== null && kind !== "read";
      })
      .map((change) => [change.address, change]),
  );
}

/**
 * Drift: the planned changes that the same plan against the state as recorded (no refresh) does not make. A change
 * both plans make comes from the configuration differing from the state; one only the refreshed plan makes comes
 * from the real object differing from the state. Compared attribute by attribute, so a provider's normalizing of
 * what it reads back (null as {}) is no drift unless it changes the plan.
 */
function driftOf(refreshed: ReadonlyMap<string, PlanResourceChange>, recorded: ReadonlyMap<string, PlanResourceChange>): Array<{ address: string; attributes: string[] }> {
  return [...refreshed.values()].flatMap((change) => {
    if (!change.change.actions.includes("update")) {
      return recorded.has(change.address) ? [] : [{ address: change.address, attributes: [`the whole object (${change.change.actions.join(", ")})`] }];
    }
    const before = recorded.get(change.address);
    const paths = new Set(before === undefined ? [] : attributeChanges(before.change).map((row) => `${row.path} ${JSON.stringify(row.after)}`));
    const drifted = attributeChanges(change.change).filter((row) => !paths.has(`${row.path} ${JSON.stringify(row.after)}`));
    return drifted.length > 0 ? [{ address: change.address, attributes: drifted.map((row) => row.path) }] : [];
  });
}

/** Writes causes.json beside each stack's plan; `recordedPlansDir` holds the no-refresh plans of live mode. */
function writeCauses(plansDir: string, target: Platform, stacks: readonly string[], revisions: { base: SettingsRevision; head: SettingsRevision }, baseOut: string, recordedPlansDir?: string): void {
  for (const stack of stacks) {
    const folder = path.join(plansDir, `${stack}.${target}`);
    const plan = readPlan(folder);
    if (!plan) continue;
    const changedByAddress = changesOf(plan);
    const changed = [...changedByAddress.values()];
    const drift = recordedPlansDir === undefined ? [] : driftOf(changedByAddress, changesOf(readPlan(path.join(recordedPlansDir, `${stack}.${target}`))));
    const baseStack = path.join(baseOut, "stacks", stack);
    const trace = traceCauses({
      environment: stack,
      platform: target,
      base: revisions.base,
      head: revisions.head,
      baseResources: fs.existsSync(baseStack) ? synthesizedResources(baseStack) : new Map(),
      addresses: changed.map((change) => change.address),
    });
    const resources = Object.fromEntries(
      Object.entries(trace.resources).map(([address, cause]) => {
        const fromConfig = trace.newEnvironment || cause.settings.length > 0 || cause.settingsTogether || cause.code;
        const drifted = drift.some((entry) => entry.address === address);
        const origins: ChangeOrigin[] = [...(fromConfig ? ["pull-request" as const] : []), ...(drifted ? ["drift" as const] : [])];
        if (origins.length === 0) origins.push(recordedPlansDir !== undefined ? "base" : "target");
        const settings = cause.settings.map(({ steps: _steps, ...change }) => change);
        return [address, { ...cause, settings, origins }];
      }),
    );
    const causes: StackCausesJson = {
      newEnvironment: trace.newEnvironment,
      settingChanges: trace.settingChanges.map(({ steps: _steps, ...change }) => change),
      resources,
      drift,
      notes: [...trace.notes],
    };
    fs.writeFileSync(path.join(folder, "causes.json"), `${JSON.stringify(causes, null, 2)}\n`);
  }
}

/** Plans the stacks of one target into `plansDir`, in the given mode. */
function planTarget(target: Platform, options: PlanPrOptions, context: { root: string; baseDir: string; work: string; env: NodeJS.ProcessEnv; plansDir: string; log: Log }): string[] {
  const { root, baseDir, work, env, plansDir, log } = context;
  // One folder level below each tree, like cdktf.out: a Docker build context is written relative to the stack's
  // folder, so base and head (and a live state written from cdktf.out) only agree when the depth is the same.
  const headOut = path.join(root, `.plan-pr-${target}`);
  const baseOut = path.join(baseDir, `.plan-pr-${target}`);
  fs.rmSync(headOut, { recursive: true, force: true });
  try {
    log(`${target}: synth of the head and of the base`);
    synthesizeApp({ ...env, DEPLOY_TARGET: target, CDKTF_OUTDIR: headOut });
    synthesizeBase(baseDir, baseOut, target, env);
    const only = (env.ENVIRONMENTS ?? "").split(",").map((name) => name.trim()).filter(Boolean);
    const headStacks = [...stacksIn(headOut)].filter(([name]) => only.length === 0 || only.includes(name));
    const baseStacks = [...stacksIn(baseOut)].filter(([name]) => only.length === 0 || only.includes(name));
    const planEnv = { ...env, DEPLOY_TARGET: target, PLAN_SKIP_SYNTH: "1" };
    let failed: string[];
    let recordedPlansDir: string | undefined;
    if (options.mode === "live") {
      let secrets: NodeJS.ProcessEnv = planEnv;
      for (const [, facts] of headStacks) secrets = deploySecrets(facts, secrets);
      failed = planStacks(plansDir, { ...secrets, CDKTF_OUTDIR: headOut }, log);
      log(`${target}: plan again against the state as recorded (no refresh), to tell drift apart`);
      recordedPlansDir = path.join(work, `recorded-plans-${target}`);
      planStacks(recordedPlansDir, { ...secrets, CDKTF_OUTDIR: headOut, PLAN_REFRESH: "false" }, log);
    } else {
      const facts = [...headStacks, ...baseStacks].map(([, stack]) => stack);
      const stateDir = path.join(work, `state-${target}`);
      const throwaway =
        target === "kubernetes"
          ? throwawayCluster(facts, work, env, log)
          : options.dockerEngine === "private"
            ? throwawayDockerEngine(facts, [headOut, baseOut], work, env)
            : { env: {}, down: () => undefined };
      try {
        const targetEnv: NodeJS.ProcessEnv = { ...planEnv, ...throwawaySecrets(facts, work), ...throwaway.env, PLAN_STATE_DIR: stateDir };
        const basePlans = path.join(work, `base-plans-${target}`);
        log(`${target}: apply the base to the throwaway target`);
        const baseFailed = planStacks(basePlans, { ...targetEnv, CDKTF_OUTDIR: baseOut }, log);
        if (baseFailed.length > 0) throw new CommandError(`the base revision cannot be planned for ${baseFailed.join(", ")} (see ${basePlans}/*/error.txt)`);
        for (const [stack] of baseStacks) {
          run(targetEnv.TERRAFORM_BINARY_NAME || "terraform", ["apply", "-input=false", "-no-color", "-auto-approve", path.join(basePlans, `${stack}.${target}`, "plan.tfplan")], {
            cwd: path.join(baseOut, "stacks", stack),
            env: { ...targetEnv, TF_IN_AUTOMATION: "1" },
          });
        }
        log(`${target}: plan the head against the base's state`);
        failed = planStacks(plansDir, { ...targetEnv, CDKTF_OUTDIR: headOut }, log);
      } finally {
        throwaway.down();
      }
    }
    const settingsDir = env.SETTINGS_DIR ? path.resolve(env.SETTINGS_DIR) : DEFAULT_SETTINGS_DIR;
    const name = path.relative(root, settingsDir);
    const baseSettings = path.join(baseDir, name);
    const revisions = {
      head: { dir: settingsDir, name, layered: layeredSettings(settingsDir) },
      base: { dir: baseSettings, name, layered: fs.existsSync(baseSettings) ? layeredSettings(baseSettings) : new Map<string, unknown>() },
    };
    writeCauses(plansDir, target, headStacks.map(([name]) => name), revisions, baseOut, recordedPlansDir);
    return failed.map((stack) => `${stack} (${target})`);
  } finally {
    fs.rmSync(headOut, { recursive: true, force: true });
  }
}

/** Runs plan-pr; returns the stacks whose plan failed (the report shows them). */
export function planPullRequest(options: PlanPrOptions, baseEnv: NodeJS.ProcessEnv, log: Log): string[] {
  const root = git(["rev-parse", "--show-toplevel"], process.cwd());
  let baseCommit: string;
  try {
    baseCommit = git(["rev-parse", "--verify", "--quiet", `${options.base}^{commit}`], root);
  } catch {
    throw new ConfigError([`--base "${options.base}" is not a commit of ${root} (fetch it first; in CI check out with fetch-depth: 0)`]);
  }
  const headCommit = git(["rev-parse", "HEAD"], root);
  const dirty = git(["status", "--porcelain", "--untracked-files=no"], root) !== "";
  const out = path.resolve(options.out);
  const plansDir = path.join(out, "plans");
  fs.rmSync(plansDir, { recursive: true, force: true });
  fs.mkdirSync(plansDir, { recursive: true });

  run("scripts/toolchain.sh", ["all"], { env: baseEnv });
  // A review plans what a deploy does: protected stacks as synthesized for a deploy, never with the protection a
  // destroy lifts (ALLOW_DESTROY would change the head's synth and not the base's, and read as a code change).
  const env: NodeJS.ProcessEnv = { ...environmentAfter("scripts/toolchain.sh", baseEnv), ALLOW_DESTROY: "" };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "envapi-plan-pr-"));
  const base = baseWorktree(root, baseCommit, work, log);
  const failed: string[] = [];
  try {
    log(`${options.mode} mode: head ${headCommit.slice(0, 12)}${dirty ? " (with uncommitted changes)" : ""} against ${options.base} (${baseCommit.slice(0, 12)})`);
    for (const target of options.targets) failed.push(...planTarget(target, options, { root, baseDir: base.dir, work, env, plansDir, log }));
    const review = { mode: options.mode, base: { ref: options.base, commit: baseCommit }, head: { commit: headCommit, dirty } };
    fs.writeFileSync(path.join(plansDir, "review.json"), `${JSON.stringify(review, null, 2)}\n`);
    const settings = env.SETTINGS_DIR ? path.resolve(env.SETTINGS_DIR) : DEFAULT_SETTINGS_DIR;
    // The report masks the contents of secret files the plans read: the throwaway ones live in `work` until now.
    runPlanReport({ plans: plansDir, out: path.join(out, "report.md"), json: path.join(out, "summary.json"), settings, maxChars: 65_000, ...(options.runUrl ? { runUrl: options.runUrl } : {}) });
  } finally {
    base.remove();
    fs.rmSync(work, { recursive: true, force: true });
  }
  log(`wrote ${path.join(out, "report.md")} and ${path.join(out, "summary.json")}`);
  return failed;
}
