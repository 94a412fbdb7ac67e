// The app cdktf runs (main.ts): reads the command's environment variables and the settings, builds one stack per
// environment and writes them to the synth output. All or nothing: stacks are synthesized into a folder beside the
// output and moved in only when every one of them succeeded, so a config error leaves the output as it was
// (Terraform's .terraform/ folders in it included).
import { App } from "cdktf";
import * as fs from "fs";
import * as path from "path";
import { backendOf, ConfigError, Environment, loadEnvironments, Platform, PLATFORMS } from "../settings";
import { forgetOtherTargetBackend } from "../terraform/backend-record";
import { EnvironmentStack } from "./environment-stack";
import { landedNameProblems, SynthesizedStack } from "./landed-names";
import { secretFiles } from "./secret-variables";
import { STACK_FACTS_FILE, stackFacts } from "./stack-facts";

/** The environment variables the app reads (all optional). */
export interface AppEnvironment {
  /** Only synthesize these environments, comma-separated; empty means all. */
  readonly ENVIRONMENTS?: string;
  /** Deploy to this platform instead of each environment's target.platform. */
  readonly DEPLOY_TARGET?: string;
  /** Lift prevent_destroy of this protected environment. */
  readonly ALLOW_DESTROY?: string;
  /** Settings folder instead of environments/. */
  readonly SETTINGS_DIR?: string;
  /** Provider versions to require: "docker=4.6.1-dev.x,kubernetes=3.2.2-dev.y". */
  readonly TF_PROVIDER_VERSIONS?: string;
  /** The synth output folder. */
  readonly CDKTF_OUTDIR?: string;
  /** Any other variable: TF_VAR_secret_file_* name the files file-sourced secrets are read from. */
  readonly [name: string]: string | undefined;
}

/** "docker=4.6.1-dev.x,kubernetes=3.2.2-dev.y" → { docker: ..., kubernetes: ... }; problems go to `problems`. */
function parseProviderVersions(value: string, problems: string[]): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const pin of value.split(",").map((part) => part.trim()).filter(Boolean)) {
    const match = /^([a-z]+)=([0-9A-Za-z.+-]+)$/.exec(pin);
    if (!match || !PLATFORMS.includes(match[1] as Platform)) {
      problems.push(`TF_PROVIDER_VERSIONS "${pin}" is not <provider>=<version> for a provider of ${PLATFORMS.join(", ")}`);
      continue;
    }
    pins[match[1]] = match[2];
  }
  return pins;
}

/**
 * Each file-sourced secret's file must be readable before Terraform runs: the one TF_VAR_secret_file_* names (a
 * plan-only run points it at a throwaway file) or else the settings path. Its content is never read here.
 */
function unreadableSecretFiles(specs: readonly Environment[], env: AppEnvironment): string[] {
  return specs.flatMap((spec) =>
    secretFiles(spec).flatMap((file) => {
      const override = env[`TF_VAR_${file.variable}`];
      const where = override ? `${JSON.stringify(override)} (from TF_VAR_${file.variable})` : JSON.stringify(file.path);
      try {
        fs.accessSync(override || file.path, fs.constants.R_OK);
        if (fs.statSync(override || file.path).isFile()) return [];
        return [`${spec.name}: services.${file.service}.secrets.${file.secret.name}.from.file ${where} is not a file (point it at a readable file, or set TF_VAR_${file.variable} to one)`];
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "cannot be read";
        return [`${spec.name}: services.${file.service}.secrets.${file.secret.name}.from.file ${where} ${reason} (create it, or set TF_VAR_${file.variable} to a readable file)`];
      }
    }),
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Moves every file of `from` into `to`, replacing files of the same name and keeping every other file of `to`. */
function moveFiles(from: string, to: string): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      moveFiles(source, target);
    } else {
      fs.renameSync(source, target);
    }
  }
}

/** What a synth did, for the caller to print. */
export interface SynthResult {
  /** Notes for the user (cdktf shows the app's stdout as is). */
  readonly notes: readonly string[];
  /** The synthesized stacks. */
  readonly stacks: readonly EnvironmentStack[];
}

/** Synthesizes the app. Throws a ConfigError listing every problem (nothing is written then). */
export function synthesizeApp(env: AppEnvironment): SynthResult {
  const problems: string[] = [];
  // Unset or empty (as a workflow passes an empty input) means every environment.
  const named = (env.ENVIRONMENTS ?? "").split(",").map((name) => name.trim()).filter(Boolean);
  const target = env.DEPLOY_TARGET || undefined;
  if (target !== undefined && !PLATFORMS.includes(target as Platform)) {
    problems.push(`DEPLOY_TARGET "${target}" is not a platform (valid: ${PLATFORMS.join(", ")})`);
  }
  const providerVersions = parseProviderVersions(env.TF_PROVIDER_VERSIONS ?? "", problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const platform = target as Platform | undefined;
  const specs = loadEnvironments(env.SETTINGS_DIR || undefined, { only: named.length > 0 ? named : undefined, platform });
  const allowDestroy = env.ALLOW_DESTROY || undefined;
  if (allowDestroy !== undefined && !specs.some((spec) => spec.name === allowDestroy)) {
    problems.push(`ALLOW_DESTROY "${allowDestroy}" names no environment being synthesized (${specs.map((spec) => spec.name).join(", ")})`);
  }
  problems.push(...unreadableSecretFiles(specs, env));
  if (problems.length > 0) throw new ConfigError(problems);

  return writeStacks(specs, { outdir: env.CDKTF_OUTDIR || "cdktf.out", platform, allowDestroy, providerVersions });
}

/** Options for {@link writeStacks}. */
export interface WriteStacksOptions {
  /** The synth output folder. */
  readonly outdir: string;
  /** Deploy every stack to this platform. @default - each environment's target.platform */
  readonly platform?: Platform;
  /** The environment whose prevent_destroy is lifted. @default - none */
  readonly allowDestroy?: string;
  /** Provider versions to require, by provider name. @default - the bindings' versions */
  readonly providerVersions?: Readonly<Record<string, string>>;
}

/**
 * Builds and synthesizes one stack per validated environment into `options.outdir`, all or nothing. Whatever goes
 * wrong while building or synthesizing is a ConfigError naming the environment, and the output is left as it was.
 */
export function writeStacks(specs: readonly Environment[], options: WriteStacksOptions): SynthResult {
  const problems: string[] = [];
  const outdir = path.resolve(options.outdir);
  // A sibling of the output, so every path relative to a stack folder (the Docker build context) is the same there.
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(outdir), `.${path.basename(outdir)}.synth-`));
  try {
    const app = new App({ outdir: staging });
    const stacks: EnvironmentStack[] = [];
    for (const spec of specs) {
      try {
        const props = { spec, platform: options.platform, allowDestroy: options.allowDestroy === spec.name, providerVersions: options.providerVersions };
        stacks.push(new EnvironmentStack(app, spec.name, props));
      } catch (error) {
        problems.push(`${spec.name}: the settings cannot be built into a stack: ${message(error)}`);
      }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    try {
      app.synth();
    } catch (error) {
      throw new ConfigError([`the stacks of ${specs.map((spec) => spec.name).join(", ")} cannot be synthesized: ${message(error)}`]);
    }
    // Names as the targets will see them, derived ones included: one owner each, in the form the target accepts.
    const landed = landedNameProblems(
      stacks.map((stack) => ({
        name: stack.spec.name,
        namespace: stack.spec.namespace,
        target: stack.platform === "kubernetes" ? `cluster ${stack.spec.target.kubernetes.context} (${stack.spec.target.kubernetes.configPath})` : `Docker host ${stack.spec.target.docker.host}`,
        json: JSON.parse(fs.readFileSync(path.join(staging, "stacks", stack.spec.name, "cdk.tf.json"), "utf8")) as SynthesizedStack["json"],
      })),
    );
    if (landed.length > 0) throw new ConfigError(landed);
    for (const stack of stacks) {
      fs.writeFileSync(path.join(staging, "stacks", stack.spec.name, STACK_FACTS_FILE), `${JSON.stringify(stackFacts(stack), null, 2)}\n`);
    }
    fs.mkdirSync(outdir, { recursive: true });
    moveFiles(staging, outdir);

    const notes: string[] = [];
    for (const stack of stacks) {
      const others = PLATFORMS.filter((other) => other !== stack.platform).map((other) => backendOf(stack.spec, other));
      const forgotten = forgetOtherTargetBackend(path.join(outdir, "stacks", stack.spec.name), backendOf(stack.spec, stack.platform), others);
      if (forgotten) notes.push(`${stack.spec.name}: switched to ${stack.platform}; terraform init will use its state, not ${JSON.stringify(forgotten.config)}`);
    }
    return { notes, stacks };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
