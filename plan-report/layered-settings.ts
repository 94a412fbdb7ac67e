// The raw settings of each environment after layering (base.yaml + <env>.yaml), before validation turns
// them into specs: the shape a reviewer edits, so the environment diff speaks in the files' own terms.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { deepMerge, environmentNames } from "../spec";

/** Layered raw settings of every environment in `settingsDir`, by name. Call loadEnvironments first: it validates. */
export function layeredSettings(settingsDir: string): Map<string, unknown> {
  const read = (name: string): unknown => parse(fs.readFileSync(path.join(settingsDir, `${name}.yaml`), "utf8")) ?? {};
  const base = read("base");
  return new Map(environmentNames(settingsDir).map((name) => [name, deepMerge(base, read(name))]));
}
