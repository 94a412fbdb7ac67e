// Plans every synthesized stack into what `npm run plan:report` reads, one folder per stack:
//   <out>/<stack>[.<target>]/plan.json    terraform show -json   (holds sensitive values in clear: keep it private)
//   <out>/<stack>[.<target>]/plan.txt     terraform show -no-color (sensitive values masked)
//   <out>/<stack>[.<target>]/meta.json    {"stack": "...", "target": "..."}
//   <out>/<stack>[.<target>]/plan.tfplan  the binary plan, for `terraform apply` (holds secrets too)
//   <out>/<stack>[.<target>]/error.txt    instead of the plan files, when init or plan failed
// The folder is <stack> for the environment's own target and <stack>.<target> under DEPLOY_TARGET. Every stack is
// planned even when one fails.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readStackFacts, synthesizeApp } from "../stacks";
import { requireBackendEnvironment } from "../terraform/backend-environment";
import { CommandError } from "./_processes";

/** Terraform's override file that puts a stack on a shared backend on throwaway local state for one plan. */
const PLAN_STATE_OVERRIDE = "plan_state_override.tf.json";

/** Runs `command` in `cwd` with its output (both streams) in `logFile`; true when it succeeded. */
function runLogged(logFile: string, command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): boolean {
  const out = fs.openSync(logFile, "w");
  try {
    const result = spawnSync(command, args, { cwd, env, stdio: ["ignore", out, out] });
    if (result.error) fs.appendFileSync(logFile, `${command} could not start: ${result.error.message}\n`);
    return result.status === 0;
  } finally {
    fs.closeSync(out);
  }
}

/** Plans the stacks into `outDir`; returns the stacks that failed. */
export function planStacks(outDir: string, env: NodeJS.ProcessEnv, log: (message: string) => void): string[] {
  const synthDir = path.resolve(env.CDKTF_OUTDIR || "cdktf.out");
  if (env.PLAN_SKIP_SYNTH !== "1") {
    log(`synth into ${synthDir}`);
    synthesizeApp({ ...env, CDKTF_OUTDIR: synthDir });
  }
  const terraform = env.TERRAFORM_BINARY_NAME || "terraform";
  const tfEnv = { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  const only = (env.ENVIRONMENTS ?? "").split(",").map((name) => name.trim()).filter(Boolean);
  const stacksDir = path.join(synthDir, "stacks");
  if (!fs.existsSync(stacksDir)) throw new CommandError(`${stacksDir}: no synthesized stacks (run the synth, or leave PLAN_SKIP_SYNTH unset)`);
  // PLAN_REFRESH=false plans against the state as recorded (what drift is told apart with).
  const refresh = env.PLAN_REFRESH === "false" ? ["-refresh=false"] : [];
  const stacks = fs
    .readdirSync(stacksDir)
    .sort()
    .filter((stack) => only.length === 0 || only.includes(stack))
    .map((stack) => readStackFacts(path.join(stacksDir, stack)));
  // Throwaway state (PLAN_STATE_DIR) needs none of a shared backend's variables: its state is never read.
  if (!env.PLAN_STATE_DIR) requireBackendEnvironment(stacks, env);
  const failed: string[] = [];
  for (const { stack, platform, backend } of stacks) {
    const stackDir = path.join(stacksDir, stack);
    const dest = path.resolve(outDir, env.DEPLOY_TARGET ? `${stack}.${platform}` : stack);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(path.join(dest, "meta.json"), `${JSON.stringify({ stack, target: platform })}\n`);
    const stateFile = env.PLAN_STATE_DIR ? path.resolve(env.PLAN_STATE_DIR, `${stack}.tfstate`) : undefined;
    if (env.PLAN_STATE_DIR) fs.mkdirSync(path.resolve(env.PLAN_STATE_DIR), { recursive: true });
    // A local backend takes the throwaway path as -backend-config. A shared one is replaced for this plan by a local
    // one, through a Terraform override file removed afterwards, so its real state is neither read nor locked (a
    // saved plan keeps the backend it was made with, so applying it later still writes the throwaway file).
    const override = stateFile !== undefined && backend.type !== "local" ? path.join(stackDir, PLAN_STATE_OVERRIDE) : undefined;
    const backendArgs = stateFile === undefined ? [] : ["-reconfigure", ...(override === undefined ? [`-backend-config=path=${stateFile}`] : [])];
    if (override !== undefined) fs.writeFileSync(override, `${JSON.stringify({ terraform: { backend: { local: { path: stateFile } } } })}\n`);
    log(`${stack} (${platform}): init + plan`);
    const planFile = path.join(dest, "plan.tfplan");
    try {
      const ok =
        runLogged(path.join(dest, "init.log"), terraform, ["init", "-input=false", "-no-color", ...backendArgs], stackDir, tfEnv) &&
        runLogged(path.join(dest, "plan.log"), terraform, ["plan", "-input=false", "-no-color", "-lock-timeout=60s", ...refresh, `-out=${planFile}`], stackDir, tfEnv);
      if (ok) {
        const show = (args: string[], file: string) => runLogged(path.join(dest, file), terraform, args, stackDir, tfEnv);
        if (!show(["show", "-json", planFile], "plan.json") || !show(["show", "-no-color", planFile], "plan.txt")) throw new CommandError(`${stack}: terraform show failed (see ${dest})`);
        const summary = fs.readFileSync(path.join(dest, "plan.txt"), "utf8").split("\n").filter((line) => /^(Plan:|No changes|Changes to Outputs)/.test(line));
        for (const line of summary) log(`  ${line}`);
      } else {
        const failedLog = fs.existsSync(path.join(dest, "plan.log")) ? "plan.log" : "init.log";
        fs.renameSync(path.join(dest, failedLog), path.join(dest, "error.txt"));
        fs.rmSync(planFile, { force: true });
        log(`${stack} (${platform}): FAILED (see ${path.join(dest, "error.txt")})`);
        failed.push(stack);
      }
    } finally {
      if (override !== undefined) fs.rmSync(override, { force: true });
    }
    for (const file of ["init.log", "plan.log"]) fs.rmSync(path.join(dest, file), { force: true });
  }
  return failed;
}
