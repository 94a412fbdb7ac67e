// Running the tools the commands orchestrate (scripts, Terraform, Docker), with their output shown as it comes.
import { spawnSync } from "child_process";

/** A command that failed: what ran, in which folder, and its exit status. */
export class CommandError extends Error {}

/** Runs `command` with its output on the terminal; throws a CommandError naming it when it fails. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env, stdio: "inherit" });
  if (result.error) throw new CommandError(`${command} could not start (${result.error.message})`);
  if (result.status !== 0) {
    const where = options.cwd ? ` in ${options.cwd}` : "";
    throw new CommandError(`${[command, ...args].join(" ")}${where} failed (exit ${result.status ?? result.signal})`);
  }
}

/** Runs `command` and returns its standard output; its errors go to the terminal unless `quiet`. */
export function capture(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): string {
  const stdio = ["ignore", "pipe", options.quiet ? "ignore" : "inherit"] as const;
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env, encoding: "utf8", stdio: [...stdio], maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new CommandError(`${command} could not start (${result.error.message})`);
  if (result.status !== 0) throw new CommandError(`${[command, ...args].join(" ")} failed (exit ${result.status ?? result.signal})`);
  return result.stdout;
}

/**
 * The environment after a script's `env` subcommand is evaluated by bash (`eval "$(scripts/toolchain.sh env)"`):
 * the scripts print shell, so bash reads it and prints the result NUL-separated.
 */
export function environmentAfter(script: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const output = capture("bash", ["-c", `eval "$(${script} env)" && env -0`], { env });
  return Object.fromEntries(
    output
      .split("\0")
      .filter((entry) => entry.includes("="))
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}
