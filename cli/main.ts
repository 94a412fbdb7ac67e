// The operations users run, as one typed command line (`npm run deploy -- staging`, ...). It adds what cdktf
// cannot do (toolchain, local target, local secrets, the orphan sweep) and calls Terraform or OpenTofu itself:
// `npx cdktf deploy|destroy <stack>` keep working as documented, but cdktf is archived and its CLI costs seconds.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanInputError } from "../plan-report/plan-json";
import { ConfigError } from "../settings";
import { readStackFacts, StackFacts, synthesizeApp } from "../stacks";
import { BackendEnvironmentError, requireBackendEnvironment } from "../terraform/backend-environment";
import { CommandError, capture, environmentAfter, run } from "./_processes";
import { deploySecrets, secretsFolder } from "./_secrets";
import { DEFAULT_BUILDER_IMAGE } from "../images/builder-image";
import { sweepOrphans } from "./docker-orphans";
import { parsePlanPrArgs, PLAN_PR_USAGE, planPullRequest, PlanPrOptions } from "./plan-pr";
import { planStacks } from "./plan-stacks";
import { waitForAnswers } from "./entry-answers";
import { release, rollback } from "./release";
import { applyTrafficFirst } from "./traffic-first";

const USAGE = `Usage: envapi <command> <environment | folder>

  deploy <env>    the toolchain, the local target (a cluster of context kind-envapi with the stack's images
                  built and loaded into it, or the Docker engine), a generated secret for each one unset
                  (unprotected environments only), the orphan sweep, then terraform init and apply
  destroy <env>   terraform destroy; a protected environment needs ALLOW_DESTROY=<env>
  orphans <env>   remove the Docker containers an interrupted apply created but never recorded
  plan-pr --base <ref> [options]
                  the pull request's plan report: the working tree planned against the base revision applied to a
                  throwaway target (or, --mode live, against the real state and targets), each change traced to its
                  settings key or code; see \`plan-pr --help\`
  release <env>   step the canary of the environment's service through grayRelease.steps (default 5, 25, 100),
                  judging it after each on its own metrics; roll back to 0 on a failed check, else promote it
                  (Docker target); writes each step to the environment's settings file; run again to resume
  rollback <env>  return the environment to the release before the last promotion (its history in
                  <settings>/releases/<env>.json)
  plan <folder>   plan every stack into <folder>/<stack>/ (plan.json, plan.txt, plan.tfplan, meta.json, or
                  error.txt), for npm run plan:report; ENVIRONMENTS limits the stacks, PLAN_STATE_DIR keeps
                  their state in <dir>/<stack>.tfstate, PLAN_SKIP_SYNTH=1 plans what is already synthesized

Environment: DEPLOY_TARGET=kubernetes|docker (instead of the environment's target.platform), SETTINGS_DIR,
CDKTF_OUTDIR (default cdktf.out), TOOLCHAIN_CACHE (default ~/.cache/env-as-code), the TF_VAR_* secrets, and what
a shared backend reads: PG_CONN_STR (pg), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3 (s3).`;

const COMMANDS = ["deploy", "destroy", "orphans", "plan", "plan-pr", "release", "rollback"] as const;
type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  readonly command: Command;
  /** The environment, or for `plan` the output folder (empty for `plan-pr`). */
  readonly environment: string;
  /** plan-pr's own options. @default - not plan-pr */
  readonly planPr?: PlanPrOptions;
}

class UsageError extends Error {}

/** Parses the arguments; every problem is reported at once. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const problems: string[] = [];
  const [command, environment, ...rest] = argv;
  if (command === "plan-pr") {
    try {
      return { command, environment: "", planPr: parsePlanPrArgs(argv.slice(1)) };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (command === undefined) problems.push(`a command is required (one of ${COMMANDS.join(", ")})`);
  else if (!COMMANDS.includes(command as Command)) problems.push(`unknown command "${command}" (one of ${COMMANDS.join(", ")})`);
  if (environment === undefined || environment === "") problems.push(command === "plan" ? "an output folder is required (e.g. plans)" : "an environment is required (e.g. staging)");
  if (rest.length > 0) problems.push(`unexpected arguments ${rest.map((arg) => `"${arg}"`).join(" ")}`);
  if (problems.length > 0) throw new UsageError(problems.map((problem) => `envapi: ${problem}`).join("\n"));
  return { command: command as Command, environment };
}

const log = (message: string) => process.stderr.write(`[envapi] ${message}\n`);

/** Synthesizes one environment into `outdir` and returns its facts (a config error stops everything here). */
function synthesize(environment: string, outdir: string, env: NodeJS.ProcessEnv): StackFacts {
  synthesizeApp({ ...env, ENVIRONMENTS: environment, CDKTF_OUTDIR: outdir });
  return readStackFacts(path.join(outdir, "stacks", environment));
}

/** The facts of `environment` from a synth into a throwaway folder: bad settings stop before anything is installed. */
function probe(environment: string, env: NodeJS.ProcessEnv): StackFacts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "envapi-probe-"));
  try {
    return synthesize(environment, dir, env);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The toolchain, built or reused, and the environment it exports (providers mirror, Terraform binary, ...). */
function toolchain(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  run("scripts/toolchain.sh", ["all"], { env });
  return environmentAfter("scripts/toolchain.sh", env);
}

function terraform(env: NodeJS.ProcessEnv, stackDir: string, args: readonly string[]): void {
  run(env.TERRAFORM_BINARY_NAME || "terraform", args, { cwd: stackDir, env: { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" } });
}

/**
 * The images the stack runs, in the cluster's nodes before its Deployments roll out: built from this project where
 * the settings say so (as the Docker target builds them), then loaded by `scripts/cluster.sh load` (kind's loader,
 * or the local node's containerd). Prebuilt images the Docker engine holds are loaded too; others are the
 * cluster's to pull. kwok's fake nodes run nothing.
 */
function loadImages(facts: StackFacts, env: NodeJS.ProcessEnv): void {
  if (env.CLUSTER_PROVIDER === "kwok" || facts.images.length === 0) return;
  for (const image of facts.images.filter((candidate) => candidate.build !== undefined)) {
    const tag = image.reference.slice(image.reference.lastIndexOf(":") + 1);
    log(`building ${image.reference} from ${image.build}/`);
    run("docker", ["build", "-q", "-t", image.reference, "--build-arg", `VERSION=${tag}`, "--build-arg", `BUILDER_IMAGE=${DEFAULT_BUILDER_IMAGE}`, image.build as string], { env });
  }
  const held = facts.images.filter((image) => image.build !== undefined || capture("docker", ["image", "ls", "-q", image.reference], { env, quiet: true }).trim() !== "");
  if (held.length > 0) run("scripts/cluster.sh", ["load", ...held.map((image) => image.reference)], { env });
}

/** How long a deploy waits for each URL to answer through the traffic entry. */
const ANSWER_TIMEOUT_SECONDS = 120;
/** Good answers in a row that make a URL "answers". */
const ANSWERS_IN_A_ROW = 5;

/**
 * The check that ends a deploy: each URL the stack serves answers through the traffic entry with its route's
 * revision and a version the settings ask for (cli/entry-answers.ts). kwok's fake nodes run nothing: not asked there.
 */
function entryCheck(facts: StackFacts, env: NodeJS.ProcessEnv): () => Promise<void> {
  if (facts.platform === "kubernetes" && env.CLUSTER_PROVIDER === "kwok") {
    return () => {
      log(`  answers not checked: the cluster's nodes are kwok's, which run no containers`);
      return Promise.resolve();
    };
  }
  const defaultPort = Number(env.HTTP_HOST_PORT || 80);
  return () => waitForAnswers(facts.served, { defaultPort, timeoutSeconds: ANSWER_TIMEOUT_SECONDS, inARow: ANSWERS_IN_A_ROW, log });
}

/**
 * Deploys `environment`, traffic first (cli/traffic-first.ts): the routes and what they send requests to, checked in
 * effect at the traffic entry, then the rest (what lost its requests goes only then), then every URL checked.
 */
export async function deploy(environment: string, base: NodeJS.ProcessEnv): Promise<void> {
  const started = Date.now();
  const facts = probe(environment, base);
  requireBackendEnvironment([facts], base);
  log(`${environment} → ${facts.platform}`);
  let env = toolchain(base);
  if (facts.platform === "kubernetes") {
    run("scripts/cluster.sh", ["up"], { env });
    env = environmentAfter("scripts/cluster.sh", env);
    loadImages(facts, env);
  } else {
    run("scripts/proxy-image.sh", [], { env });
  }
  env = deploySecrets(facts, env);
  const outdir = env.CDKTF_OUTDIR || "cdktf.out";
  synthesize(environment, outdir, env);
  const stackDir = path.join(outdir, "stacks", environment);
  terraform(env, stackDir, ["init", "-input=false", "-no-color"]);
  if (facts.platform === "docker") reportSweep(sweepOrphans(stackDir, env.TERRAFORM_BINARY_NAME || "terraform", env));
  const stack = readStackFacts(stackDir);
  const apply = (targets: readonly string[]) =>
    terraform(env, stackDir, ["apply", "-input=false", "-auto-approve", "-lock-timeout=60s", ...(targets.length > 0 ? ["-compact-warnings"] : []), ...targets.map((target) => `-target=${target}`)]);
  const check = entryCheck(stack, env);
  await applyTrafficFirst({
    applyRoutes: stack.routes.length > 0 ? () => apply(stack.routes) : undefined,
    routesInEffect: async () => {
      log(`routes applied; waiting for the traffic entry to answer with them before anything loses its requests`);
      await check();
    },
    applyAll: () => apply([]),
    answers: async () => {
      log(`applied; waiting for every URL to answer as deployed`);
      await check();
    },
  });
  log(`deployed ${environment} to ${facts.platform} in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const url of stack.urls) log(`  ${url}`);
}

function destroy(environment: string, base: NodeJS.ProcessEnv): void {
  const facts = probe(environment, base);
  requireBackendEnvironment([facts], base);
  // Without the override Terraform would refuse (prevent_destroy) only after planning: say why up front.
  if (facts.preventDestroy) throw new CommandError(`${environment} is protected; run with ALLOW_DESTROY=${environment} to destroy it`);
  let env = environmentAfter("scripts/toolchain.sh", base);
  if (facts.platform === "kubernetes") env = environmentAfter("scripts/cluster.sh", env);
  // Terraform asks for every variable without a value, even to destroy: deploy's generated secret, or a
  // placeholder (destroying never uses a secret's value).
  const values = Object.fromEntries(
    facts.secretVariables
      .filter(({ env: name }) => !env[name])
      .map(({ variable, env: name }) => {
        const file = path.join(secretsFolder(env, environment), variable);
        return [name, fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "unused-by-destroy"];
      }),
  );
  env = { ...env, ...values };
  const outdir = env.CDKTF_OUTDIR || "cdktf.out";
  synthesize(environment, outdir, env);
  const stackDir = path.join(outdir, "stacks", environment);
  terraform(env, stackDir, ["init", "-input=false", "-no-color"]);
  terraform(env, stackDir, ["destroy", "-input=false", "-auto-approve", "-lock-timeout=60s"]);
  log(`destroyed ${environment}`);
}

function reportSweep(sweep: ReturnType<typeof sweepOrphans>): void {
  if (sweep.skipped || sweep.orphans.length === 0) return;
  if (sweep.removed) {
    log(`removed containers an interrupted apply created but never recorded: ${sweep.orphans.join(", ")}`);
    return;
  }
  throw new CommandError(
    `containers not in the state of a protected environment: ${sweep.orphans.join(", ")}; the next apply would stop on their names; check them, then: docker rm -f ${sweep.orphans.join(" ")}`,
  );
}

function orphans(environment: string, base: NodeJS.ProcessEnv): void {
  const env = environmentAfter("scripts/toolchain.sh", base);
  const stackDir = path.join(env.CDKTF_OUTDIR || "cdktf.out", "stacks", environment);
  const sweep = sweepOrphans(stackDir, env.TERRAFORM_BINARY_NAME || "terraform", env);
  if (sweep.skipped) log(`${sweep.skipped}: nothing checked`);
  reportSweep(sweep);
}

function plan(outDir: string, base: NodeJS.ProcessEnv): void {
  // The toolchain's CLI config and Terraform (or OpenTofu) when it is set up and not already in the environment.
  const env = base.TF_CLI_CONFIG_FILE ? base : environmentAfter("scripts/toolchain.sh", base);
  const failed = planStacks(outDir, env, log);
  if (failed.length > 0) throw new CommandError(`planning failed for ${failed.join(", ")} (see ${outDir}/*/error.txt)`);
}

/** What a failed command exits with: 2 for a usage problem, 1 for a config or command error; anything else is a crash. */
function exitCode(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (error instanceof ConfigError || error instanceof CommandError || error instanceof BackendEnvironmentError || error instanceof PlanInputError) {
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  throw error;
}

/** Runs the command line; returns the exit code (a promise of it for release and rollback, which wait on metrics). */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number | Promise<number> {
  try {
    if (argv[0] === "plan-pr" && (argv.includes("--help") || argv.includes("-h"))) {
      process.stdout.write(`${PLAN_PR_USAGE}\n`);
      return 0;
    }
    const args = parseArgs(argv);
    if (args.planPr) {
      const failed = planPullRequest(args.planPr, env, log);
      if (failed.length > 0) throw new CommandError(`planning failed for ${failed.join(", ")} (the report shows why)`);
      return 0;
    }
    const context = { deploy, log };
    switch (args.command) {
      case "deploy":
        return deploy(args.environment, env).then(() => 0, exitCode);
      case "release":
        return release(args.environment, env, context).then(() => 0, exitCode);
      case "rollback":
        return rollback(args.environment, env, context).then(() => 0, exitCode);
      case "plan-pr":
        throw new UsageError("envapi: plan-pr needs its options (see plan-pr --help)");
      default:
        ({ destroy, orphans, plan })[args.command](args.environment, env);
        return 0;
    }
  } catch (error) {
    return exitCode(error);
  }
}
