// The operations users run, as one typed command line (`npm run deploy -- staging`, ...). It adds what cdktf
// cannot do (toolchain, local target, local secrets, the orphan sweep) and calls Terraform or OpenTofu itself:
// `npx cdktf deploy|destroy <stack>` keep working as documented, but cdktf is archived and its CLI costs seconds.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../settings";
import { readStackFacts, StackFacts, synthesizeApp } from "../stacks";
import { CommandError, environmentAfter, run } from "./_processes";
import { sweepOrphans } from "./docker-orphans";
import { planStacks } from "./plan-stacks";
import { release, rollback } from "./release";

const USAGE = `Usage: envapi <command> <environment | folder>

  deploy <env>    the toolchain, the local target (a cluster of context kind-envapi, or the Docker engine), a
                  generated secret for each one unset (unprotected environments only), the orphan sweep, then
                  terraform init and apply
  destroy <env>   terraform destroy; a protected environment needs ALLOW_DESTROY=<env>
  orphans <env>   remove the Docker containers an interrupted apply created but never recorded
  release <env>   step the canary of the environment's service through grayRelease.steps (default 5, 25, 100),
                  judging it after each on its own metrics; roll back to 0 on a failed check, else promote it
                  (Docker target); writes each step to the environment's settings file; run again to resume
  rollback <env>  return the environment to the release before the last promotion (its history in
                  <settings>/releases/<env>.json)
  plan <folder>   plan every stack into <folder>/<stack>/ (plan.json, plan.txt, plan.tfplan, meta.json, or
                  error.txt), for npm run plan:report; ENVIRONMENTS limits the stacks, PLAN_STATE_DIR keeps
                  their state in <dir>/<stack>.tfstate, PLAN_SKIP_SYNTH=1 plans what is already synthesized

Environment: DEPLOY_TARGET=kubernetes|docker (instead of the environment's target.platform), SETTINGS_DIR,
CDKTF_OUTDIR (default cdktf.out), TOOLCHAIN_CACHE (default ~/.cache/env-as-code), and the TF_VAR_* secrets.`;

const COMMANDS = ["deploy", "destroy", "orphans", "plan", "release", "rollback"] as const;
type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  readonly command: Command;
  /** The environment, or for `plan` the output folder. */
  readonly environment: string;
}

class UsageError extends Error {}

/** Parses the arguments; every problem is reported at once. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const problems: string[] = [];
  const [command, environment, ...rest] = argv;
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

function secretsFolder(env: NodeJS.ProcessEnv, environment: string): string {
  return path.join(env.TOOLCHAIN_CACHE || path.join(os.homedir(), ".cache", "env-as-code"), "secrets", environment);
}

/**
 * A value for every secret variable: the one set, or for an unprotected environment one generated once and kept
 * in the toolchain cache, so a local deploy works out of the box. A protected environment never gets one.
 */
function deploySecrets(facts: StackFacts, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const values: NodeJS.ProcessEnv = {};
  const missing: string[] = [];
  for (const { variable, env: name } of facts.secretVariables) {
    if (env[name]) continue;
    if (facts.protected) {
      missing.push(name);
      continue;
    }
    const file = path.join(secretsFolder(env, facts.stack), variable);
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, randomBytes(18).toString("base64url"), { mode: 0o600 });
      log(`${name} was not set: generated one into ${file}`);
    }
    values[name] = fs.readFileSync(file, "utf8");
  }
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${facts.stack}: ${name} is not set (a protected environment never gets a generated secret)`));
  return { ...env, ...values };
}

function terraform(env: NodeJS.ProcessEnv, stackDir: string, args: readonly string[]): void {
  run(env.TERRAFORM_BINARY_NAME || "terraform", args, { cwd: stackDir, env: { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" } });
}

/**
 * Deploys `environment`. With `routesFirst` (a release step) and a stack that has routes, it applies the routes
 * first (`-target`, which brings up every container they name and waits for health), then the rest: nothing the
 * proxy sends traffic to is removed before what replaces it is ready and routed to.
 */
export function deploy(environment: string, base: NodeJS.ProcessEnv, options: { routesFirst?: boolean } = {}): void {
  const started = Date.now();
  const facts = probe(environment, base);
  log(`${environment} → ${facts.platform}`);
  let env = toolchain(base);
  if (facts.platform === "kubernetes") {
    run("scripts/cluster.sh", ["up"], { env });
    env = environmentAfter("scripts/cluster.sh", env);
  } else {
    run("scripts/proxy-image.sh", [], { env });
  }
  env = deploySecrets(facts, env);
  const outdir = env.CDKTF_OUTDIR || "cdktf.out";
  synthesize(environment, outdir, env);
  const stackDir = path.join(outdir, "stacks", environment);
  terraform(env, stackDir, ["init", "-input=false", "-no-color"]);
  if (facts.platform === "docker") reportSweep(sweepOrphans(stackDir, env.TERRAFORM_BINARY_NAME || "terraform", env));
  const routes = options.routesFirst ? readStackFacts(stackDir).routes : undefined;
  if (routes !== undefined) terraform(env, stackDir, ["apply", "-input=false", "-auto-approve", "-lock-timeout=60s", `-target=${routes}`]);
  terraform(env, stackDir, ["apply", "-input=false", "-auto-approve", "-lock-timeout=60s"]);
  log(`deployed ${environment} to ${facts.platform} in ${Math.round((Date.now() - started) / 1000)} s`);
}

function destroy(environment: string, base: NodeJS.ProcessEnv): void {
  const facts = probe(environment, base);
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
  if (error instanceof ConfigError || error instanceof CommandError) {
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  throw error;
}

/** Runs the command line; returns the exit code (a promise of it for release and rollback, which wait on metrics). */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number | Promise<number> {
  try {
    const args = parseArgs(argv);
    const context = { deploy: (name: string, stepEnv: NodeJS.ProcessEnv) => deploy(name, stepEnv, { routesFirst: true }), log };
    switch (args.command) {
      case "release":
        return release(args.environment, env, context).then(() => 0, exitCode);
      case "rollback":
        rollback(args.environment, env, context);
        return 0;
      default:
        ({ deploy: (name: string, base: NodeJS.ProcessEnv) => deploy(name, base), destroy, orphans, plan })[args.command](args.environment, env);
        return 0;
    }
  } catch (error) {
    return exitCode(error);
  }
}
