// The release history of an environment: <settings>/releases/<env>.json, committed beside the settings, so it
// survives a new clone and travels with the settings it describes. Each release records the service's entry of
// the settings file before it started (what a rollback restores) and how it ended.
import * as fs from "fs";
import * as path from "path";

/** Where a release stands. */
export type ReleaseStatus = "running" | "promoting" | "promoted" | "rolling-back" | "rolled-back" | "reverted";

export interface ReleaseRecord {
  /** The service released. */
  readonly service: string;
  /** Stable image tag before the release. */
  readonly fromTag: string;
  /** The service's entry in the environment's settings file before the release, as written. */
  readonly fromEntry: Record<string, unknown>;
  /** The service's config (layered) before the release. */
  readonly fromConfig: Readonly<Record<string, string>>;
  /** The canary tag released. */
  readonly toTag: string;
  /** When it started and last changed (ISO 8601). */
  readonly started: string;
  updated: string;
  status: ReleaseStatus;
  /** Why it rolled back: the failed check and the measured values. */
  reason?: string;
  /** Seconds each step took (apply plus analysis), by step name ("5%", "promote"). */
  steps: Record<string, number>;
}

/** The history file of `environment`. */
export function historyFile(settingsDir: string, environment: string): string {
  return path.join(settingsDir, "releases", `${environment}.json`);
}

export function readHistory(file: string): ReleaseRecord[] {
  if (!fs.existsSync(file)) return [];
  return JSON.parse(fs.readFileSync(file, "utf8")) as ReleaseRecord[];
}

/** Kept: the last 20 releases, enough to step back several times. */
const KEPT = 20;

export function writeHistory(file: string, records: readonly ReleaseRecord[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}`;
  fs.writeFileSync(temporary, `${JSON.stringify(records.slice(-KEPT), null, 2)}\n`);
  fs.renameSync(temporary, file);
}
