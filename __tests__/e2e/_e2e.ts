// Helpers of the end-to-end suites: processes with time limits and logs, one bounded waitFor, HTTP to 127.0.0.1,
// settings copies changed with the project's own merge, and the project's command line.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { parse, stringify } from "yaml";
import { environmentAfter } from "../../cli/_processes";
import { deepMerge, DEFAULT_SETTINGS_DIR } from "../../settings";

export const ROOT = path.resolve(__dirname, "..", "..");

/** What a finished process did. */
export interface Finished {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a command (in `cwd`, default the project) to its end or to `timeoutSeconds` (then SIGKILL); its output goes to `logFile` too. */
export function sh(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; logFile?: string; timeoutSeconds?: number; cwd?: string } = {}): Finished {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: (options.timeoutSeconds ?? 600) * 1000,
    killSignal: "SIGKILL",
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (options.logFile) fs.writeFileSync(options.logFile, output);
  return { status: result.status, output };
}

/** Like sh, but a failure is an error that shows the end of the output. */
export function mustRun(command: string, args: readonly string[], options: Parameters<typeof sh>[2] = {}): string {
  const { status, output } = sh(command, args, options);
  if (status !== 0) throw new Error(`${[command, ...args].join(" ")} failed (exit ${status})${options.logFile ? `, log ${options.logFile}` : ""}:\n${output.split("\n").slice(-40).join("\n")}`);
  return output;
}

/** Starts a command in the background (its own process group), output to `logFile`. */
export function start(command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): { pid: number; done: Promise<number | null> } {
  const out = fs.openSync(logFile, "w");
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", out, out], detached: true });
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { pid: child.pid as number, done };
}

/**
 * Runs a command in the background to its end or to `timeoutSeconds` (then SIGKILL to its process group), so the
 * event loop (background traffic, say) keeps running meanwhile; resolves with its exit status (null when killed),
 * its output and how long it took.
 */
export async function runInBackground(command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string, timeoutSeconds = 600): Promise<{ status: number | null; output: string; seconds: number }> {
  const started = Date.now();
  const running = start(command, args, env, logFile);
  let timer: NodeJS.Timeout | undefined;
  const status = await Promise.race([running.done, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutSeconds * 1000)))]);
  clearTimeout(timer);
  if (status === "timeout") {
    process.kill(-running.pid, "SIGKILL");
    await running.done;
  }
  return { status: status === "timeout" ? null : status, output: fs.readFileSync(logFile, "utf8"), seconds: (Date.now() - started) / 1000 };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * Waits until `probe` gives a value (anything but undefined or false), checking every `intervalSeconds`, for at
 * most `timeoutSeconds`; then fails naming what it waited for and the last thing it saw.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: { timeoutSeconds?: number; intervalSeconds?: number; describe?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutSeconds ?? 90) * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutSeconds ?? 90} s waiting for ${what}${options.describe ? ` (${options.describe()})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, (options.intervalSeconds ?? 2) * 1000));
  }
}

/** A GET to 127.0.0.1:`port` with a Host header, within 5 s. */
export function get(port: number, host: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: urlPath, headers: { Host: host }, timeout: 5000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", () => resolve({ status: 0, body: "" }));
  });
}

/** A copy of environments/ in `dir`, each environment file merged with its patch by the settings layer's deepMerge. */
export function settingsCopy(dir: string, patches: Readonly<Record<string, unknown>>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of fs.readdirSync(DEFAULT_SETTINGS_DIR)) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, file), path.join(dir, file));
  patchSettings(dir, patches);
  return dir;
}

/** Merges each patch over `<dir>/<environment>.yaml`. */
export function patchSettings(dir: string, patches: Readonly<Record<string, unknown>>): void {
  for (const [environment, patch] of Object.entries(patches)) {
    const file = path.join(dir, `${environment}.yaml`);
    fs.writeFileSync(file, stringify(deepMerge(parse(fs.readFileSync(file, "utf8")) ?? {}, patch)));
  }
}

/** The toolchain, built or reused, and its environment (providers mirror, Terraform, provider versions). */
export function toolchainEnvironment(logFile: string): NodeJS.ProcessEnv {
  mustRun("scripts/toolchain.sh", ["all"], { logFile, timeoutSeconds: 2400 });
  return environmentAfter("scripts/toolchain.sh", process.env);
}

/** `docker <args>`, its output trimmed ("" when it failed). */
export function docker(...args: string[]): string {
  const { status, output } = sh("docker", args, { timeoutSeconds: 120 });
  return status === 0 ? output.trim() : "";
}

/**
 * A busy machine on demand: with E2E_CPU_HOG=N, N busy loops in a sibling container with Docker's default CPU
 * weight (as an image build has; host processes barely compete with containers), bounded to `maxSeconds`, on no
 * network. Returns what stops it (nothing runs without the variable). The image is the toolchain's builder image.
 */
export function cpuHog(label: string, maxSeconds = 1800): { hogs: number; stop: () => void } {
  const hogs = Number(process.env.E2E_CPU_HOG ?? 0);
  if (!Number.isInteger(hogs) || hogs < 0 || hogs > 16) throw new Error(`E2E_CPU_HOG "${process.env.E2E_CPU_HOG}" is not a number of busy loops from 0 to 16`);
  if (hogs === 0) return { hogs, stop: () => undefined };
  const name = `envapi-e2e-cpu-hog-${process.pid}-${label}`;
  mustRun("docker", ["run", "-d", "--rm", "--name", name, "--label", `e2e-cpu-hog=${label}`, "--network", "none", "golang:1.26", "sh", "-c", `for i in $(seq ${hogs}); do timeout ${maxSeconds} sh -c 'while :; do :; done' & done; wait`], { timeoutSeconds: 120 });
  return { hogs, stop: () => void docker("rm", "-f", name) };
}

/** Every descendant process of `pid`. */
export function descendants(pid: number): number[] {
  const children = sh("pgrep", ["-P", String(pid)]).output.split("\n").filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** A suite's step timings and figures, printed at its end (never asserted). */
export class Timings {
  readonly #lines: string[] = [];

  /** Adds a line as it is. */
  push(line: string): void {
    this.#lines.push(line);
  }

  /** Runs `action`, recording how long it took. */
  readonly timed = <T>(what: string, action: () => T): T => {
    const started = Date.now();
    const result = action();
    this.#record(what, started);
    return result;
  };

  /** Awaits `action`, recording how long it took. */
  readonly timedAsync = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await action();
    this.#record(what, started);
    return result;
  };

  /** The lines under `title`, for standard error. */
  report(title: string): string {
    return `\n${title}\n${this.#lines.map((line) => `  ${line}`).join("\n")}\n`;
  }

  #record(what: string, started: number): void {
    this.#lines.push(`${what.padEnd(48)} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
