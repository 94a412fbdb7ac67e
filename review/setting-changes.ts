// What a pull request changes in one environment's settings: each layered leaf whose value differs between the
// base and the head revision, with the file that made the change (the environment's own file when it changed
// there, base.yaml otherwise).
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PathStep, settingAt, settingLeaves } from "../settings";

/** One setting of one environment that differs between base and head. */
export interface SettingChange {
  /** Dotted path, e.g. `services.api.config.GREETING`. */
  readonly path: string;
  readonly steps: readonly PathStep[];
  /** The base value; absent when the base does not set it. */
  readonly from?: unknown;
  /** The head value; absent when the head does not set it. */
  readonly to?: unknown;
  /** The file that changed it, relative to the repository, e.g. `environments/staging.yaml`. */
  readonly file: string;
}

/** One revision's settings folder: where it is, how the report names it, and its layered settings. */
export interface SettingsRevision {
  /** The settings folder on disk. */
  readonly dir: string;
  /** The folder as the report names it, e.g. `environments`. */
  readonly name: string;
  /** Layered raw settings by environment (settings/load-environments.ts: layeredSettings). */
  readonly layered: ReadonlyMap<string, unknown>;
}

function readYaml(file: string): unknown {
  return fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) ?? {}) : {};
}

const same = (a: { found: boolean; value?: unknown }, b: { found: boolean; value?: unknown }) => a.found === b.found && JSON.stringify(a.value) === JSON.stringify(b.value);

/** The settings of `environment` that differ between `base` and `head`, by path. */
export function settingChanges(environment: string, base: SettingsRevision, head: SettingsRevision): SettingChange[] {
  const before = new Map(settingLeaves(base.layered.get(environment) ?? {}).map((leaf) => [leaf.path, leaf]));
  const after = new Map(settingLeaves(head.layered.get(environment) ?? {}).map((leaf) => [leaf.path, leaf]));
  const ownFile = `${environment}.yaml`;
  const own = { base: readYaml(path.join(base.dir, ownFile)), head: readYaml(path.join(head.dir, ownFile)) };
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((leafPath): SettingChange[] => {
    const from = before.get(leafPath);
    const to = after.get(leafPath);
    if (from && to && JSON.stringify(from.value) === JSON.stringify(to.value)) return [];
    const steps = (to ?? from)?.steps ?? [];
    const changedOwn = !same(settingAt(own.base, steps), settingAt(own.head, steps));
    const file = `${head.name}/${changedOwn || !base.layered.has(environment) ? ownFile : "base.yaml"}`;
    return [{ path: leafPath, steps, ...(from ? { from: from.value } : {}), ...(to ? { to: to.value } : {}), file }];
  });
}
