// Writes a release's state into an environment's settings file, the one truth of what runs: the canary weight of
// a step, a promotion, a return to an earlier release. The YAML document is edited in place, so comments and the
// rest of the file stay as they were; only the service's entry changes.
import * as fs from "fs";
import * as path from "path";
import { isMap, isSeq, parseDocument, YAMLMap } from "yaml";

/** The file of `environment` in `settingsDir`. */
export function settingsFile(settingsDir: string, environment: string): string {
  return path.join(settingsDir, `${environment}.yaml`);
}

/** Edits the entry of `service` in the environment's file (created, `- name: <service>`, when the file has none). */
function editService(file: string, service: string, edit: (entry: YAMLMap) => void): void {
  const document = parseDocument(fs.readFileSync(file, "utf8"));
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
  let services = document.get("services");
  if (!isSeq(services)) {
    document.set("services", document.createNode([]));
    services = document.get("services");
  }
  if (!isSeq(services)) throw new Error(`${file}: services is not a list`);
  let entry = services.items.find((item): item is YAMLMap => isMap(item) && item.get("name") === service);
  if (entry === undefined) {
    entry = document.createNode({ name: service });
    services.items.push(entry);
  }
  edit(entry);
  // Written aside and renamed, so an interrupted write never leaves half a file.
  const temporary = `${file}.release-${process.pid}`;
  fs.writeFileSync(temporary, document.toString());
  fs.renameSync(temporary, file);
}

/** Sets `grayRelease.canaryWeight` of `service`. */
export function writeCanaryWeight(file: string, service: string, weight: number): void {
  editService(file, service, (entry) => entry.setIn(["grayRelease", "canaryWeight"], weight));
}

/** Starts a canary of `tag` with its own `config` at `weight` (a rollback's way back through the canary track). */
export function writeCanary(file: string, service: string, tag: string, weight: number, config: Readonly<Record<string, string>>): void {
  editService(file, service, (entry) => {
    entry.setIn(["grayRelease", "canaryTag"], tag);
    entry.setIn(["grayRelease", "canaryWeight"], weight);
    entry.setIn(["grayRelease", "canaryConfig"], { ...config });
    entry.deleteIn(["grayRelease", "canaryMisbehave"]);
  });
}

/**
 * Promotes the canary: its tag becomes the image tag, its own config joins the service's, and the canary track
 * goes away (weight 0, no canary tag, config or misbehaviour).
 */
export function writePromotion(file: string, service: string, tag: string, canaryConfig: Readonly<Record<string, string>>): void {
  editService(file, service, (entry) => {
    entry.setIn(["image", "tag"], tag);
    for (const [key, value] of Object.entries(canaryConfig)) entry.setIn(["config", key], value);
    entry.setIn(["grayRelease", "canaryWeight"], 0);
    for (const key of ["canaryTag", "canaryConfig", "canaryMisbehave"]) entry.deleteIn(["grayRelease", key]);
  });
}

/** The service's entry as the file writes it (what a rollback restores), or undefined. */
export function readServiceEntry(file: string, service: string): Record<string, unknown> | undefined {
  const document = parseDocument(fs.readFileSync(file, "utf8"));
  const services = document.toJS() as { services?: Array<Record<string, unknown>> } | null;
  return services?.services?.find((entry) => entry.name === service);
}

/** Replaces the service's entry with `entry` as it was written (a rollback's last step). */
export function writeServiceEntry(file: string, service: string, entry: Record<string, unknown>): void {
  editService(file, service, (current) => {
    for (const key of current.items.map((pair) => String((pair.key as { value?: unknown })?.value ?? pair.key))) if (!(key in entry)) current.delete(key);
    for (const [key, value] of Object.entries(entry)) current.set(key, value);
  });
}
