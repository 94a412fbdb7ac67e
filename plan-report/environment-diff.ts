// Which settings differ between two environments after layering: what promoting one to the other changes.
// Settings are flattened to dotted paths; list items with a `name` are keyed by it (`services.api.replicas`),
// like the paths in validation messages.
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

const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isNamedList = (value: unknown): value is Array<Record<string, unknown>> =>
  Array.isArray(value) && value.length > 0 && value.every((item) => isObject(item) && typeof item.name === "string");

const join = (prefix: string, key: string): string => (KEY.test(key) ? (prefix === "" ? key : `${prefix}.${key}`) : `${prefix}[${JSON.stringify(key)}]`);

/**
 * Leaf settings by dotted path. Named list items are keyed by name (their `name` itself is dropped: it is
 * in the path); other lists are one value, as the layering replaces them whole.
 */
export function flattenSettings(settings: unknown, prefix = ""): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const add = (path: string, value: unknown): void => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const key of Object.keys(value)) add(join(path, key), value[key]);
    } else if (isNamedList(value)) {
      for (const item of value) {
        const itemPath = join(path, item.name as string);
        const rest = Object.fromEntries(Object.entries(item).filter(([key]) => key !== "name"));
        if (Object.keys(rest).length === 0) leaves.set(itemPath, {});
        else add(itemPath, rest);
      }
    } else {
      leaves.set(path, value);
    }
  };
  add(prefix, settings);
  return leaves;
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
