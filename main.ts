// Builds one stack per environment from the settings in environments/.
//   ENVIRONMENTS=staging,prod  only synthesize these (names are checked)
//   DEPLOY_TARGET=docker       deploy to this platform instead of each environment's target.platform
//   ALLOW_DESTROY=prod         lift prevent_destroy of that protected environment
//   SETTINGS_DIR=path          read base.yaml and the environment files from this folder instead of environments/
//   TF_PROVIDER_VERSIONS=docker=4.6.1-dev.x,...  pin provider versions (exported by `scripts/toolchain.sh env`)
import { App } from "cdktf";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, loadEnvironments } from "./spec";
import { backendOf, EnvironmentStack, forgetOtherTargetBackend, Platform } from "./stacks";

const PLATFORMS: readonly Platform[] = ["kubernetes", "docker"];

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

function main(): void {
  const problems: string[] = [];
  // Unset or empty (as a workflow passes an empty input) means every environment.
  const named = (process.env.ENVIRONMENTS ?? "").split(",").map((name) => name.trim()).filter(Boolean);
  const only = named.length > 0 ? named : undefined;
  const target = process.env.DEPLOY_TARGET || undefined;
  if (target !== undefined && !PLATFORMS.includes(target as Platform)) {
    problems.push(`DEPLOY_TARGET "${target}" is not a platform (valid: ${PLATFORMS.join(", ")})`);
  }
  const providerVersions = parseProviderVersions(process.env.TF_PROVIDER_VERSIONS ?? "", problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const specs = loadEnvironments(process.env.SETTINGS_DIR || undefined, { only });
  const allowDestroy = process.env.ALLOW_DESTROY || undefined;
  if (allowDestroy !== undefined && !specs.some((spec) => spec.name === allowDestroy)) {
    throw new ConfigError([`ALLOW_DESTROY "${allowDestroy}" names no environment being synthesized (${specs.map((spec) => spec.name).join(", ")})`]);
  }
  // cdktf creates only the last folder of its output path; `--output a/b` needs the parents too.
  const outdir = process.env.CDKTF_OUTDIR || "cdktf.out";
  fs.mkdirSync(outdir, { recursive: true });
  const app = new App();
  const stacks = specs.map(
    (spec) =>
      new EnvironmentStack(app, spec.name, {
        spec,
        platform: target as Platform | undefined,
        allowDestroy: allowDestroy === spec.name,
        providerVersions,
      }),
  );
  app.synth();

  for (const { spec, platform } of stacks) {
    const others = PLATFORMS.filter((other) => other !== platform).map((other) => backendOf(spec, other));
    const forgotten = forgetOtherTargetBackend(path.join(outdir, "stacks", spec.name), backendOf(spec, platform), others);
    if (forgotten) {
      // stdout: cdktf shows it as is (it marks all of the app's stderr as an error)
      process.stdout.write(`${spec.name}: switched to ${platform}; terraform init will use its state, not ${JSON.stringify(forgotten.config)}\n`);
    }
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
