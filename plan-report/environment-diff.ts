// Which settings differ between two environments after layering: what promoting one to the other changes.
// Settings are flattened to dotted paths; list items with a `name` are keyed by it (`services.api.replicas`),
// like the paths in validation messages.
import { settingLeaves } from "../settings/setting-paths";
import { compareText } from "./summarize";

/** One setting whose layered value differs. */
export interface SettingDifference {
  /** Dotted path, e.g. `services.api.replicas` or `labels["app.kubernetes.io/part-of"]`. */
  readonly path: string;
  /** Value in the first environment; absent when it does not set the path. */
  readonly from?: unknown;
  /** Value in the second environment; absent when it does not set the path. */
  readonly to?: unknown;
}

export interface EnvironmentDiff {
  /** The environment promoted from, e.g. "staging". */
  readonly from: string;
  /** The environment promoted to, e.g. "prod". */
  readonly to: string;
  /** Differing settings, by path. */
  readonly differences: readonly SettingDifference[];
}

/**
 * Leaf settings by dotted path. Named list items are keyed by name (their `name` itself is dropped: it is
 * in the path); other lists are one value, as the layering replaces them whole.
 */
export function flattenSettings(settings: unknown): Map<string, unknown> {
  return new Map(settingLeaves(settings).map((leaf) => [leaf.path, leaf.value]));
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Settings of `to` that differ from `from`'s, sorted by path. */
export function diffEnvironments(from: { name: string; settings: unknown }, to: { name: string; settings: unknown }): EnvironmentDiff {
  const left = flattenSettings(from.settings);
  const right = flattenSettings(to.settings);
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort(compareText);
  const differences = paths
    .filter((path) => !(left.has(path) && right.has(path) && sameValue(left.get(path), right.get(path))))
    .map((path) => ({
      path,
      ...(left.has(path) ? { from: left.get(path) } : {}),
      ...(right.has(path) ? { to: right.get(path) } : {}),
    }));
  return { from: from.name, to: to.name, differences };
}
