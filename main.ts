// Builds one stack per environment from the settings in environments/.
//   ENVIRONMENTS=staging,prod  only synthesize these (names are checked)
//   DEPLOY_TARGET=docker       deploy to this platform instead of each environment's target.platform
//   ALLOW_DESTROY=prod         lift prevent_destroy of that protected environment
//   SETTINGS_DIR=path          read base.yaml and the environment files from this folder instead of environments/
//   TF_PROVIDER_VERSIONS=docker=4.6.1-dev.x,...  pin provider versions (exported by `scripts/toolchain.sh env`)
import { App } from "cdktf";
import { ConfigError, loadEnvironments } from "./spec";
import { EnvironmentStack, Platform } from "./stacks";

const PLATFORMS: readonly Platform[] = ["kubernetes", "docker"];

function main(): void {
  const only = process.env.ENVIRONMENTS?.split(",").map((name) => name.trim()).filter(Boolean);
  const target = process.env.DEPLOY_TARGET || undefined;
  if (target !== undefined && !PLATFORMS.includes(target as Platform)) {
    throw new ConfigError([`DEPLOY_TARGET "${target}" is not a platform (valid: ${PLATFORMS.join(", ")})`]);
  }
  const specs = loadEnvironments(process.env.SETTINGS_DIR || undefined, { only });
  const providerVersions = Object.fromEntries(
    (process.env.TF_PROVIDER_VERSIONS ?? "").split(",").filter(Boolean).map((pin) => pin.split("=", 2).map((part) => part.trim())),
  );
  const app = new App();
  for (const spec of specs) {
    new EnvironmentStack(app, spec.name, {
      spec,
      platform: target as Platform | undefined,
      allowDestroy: process.env.ALLOW_DESTROY === spec.name,
      providerVersions,
    });
  }
  app.synth();
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
