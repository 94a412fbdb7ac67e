// Settings as leaves with paths, the way a reviewer names them: `services.api.config.GREETING`. Lists of named
// items are keyed by name (the layering merges them by name); any other list is one value (it is replaced whole).

/** One step of a path: an object key, or the item of a named list with that name. */
export type PathStep = { readonly key: string } | { readonly item: string };

/** One leaf setting. */
export interface SettingLeaf {
  /** Dotted path, e.g. `services.api.replicas` or `labels["app.kubernetes.io/part-of"]`. */
  readonly path: string;
  readonly steps: readonly PathStep[];
  readonly value: unknown;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

type Node = { readonly [key: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

const isNamedList = (value: unknown): value is Node[] => Array.isArray(value) && value.length > 0 && value.every((item) => isNode(item) && typeof item.name === "string");

/** The dotted form of `steps`. */
export function settingPath(steps: readonly PathStep[]): string {
  return steps.reduce((text: string, step) => {
    const name = "key" in step ? step.key : step.item;
    if (!KEY.test(name)) return `${text}[${JSON.stringify(name)}]`;
    return text === "" ? name : `${text}.${name}`;
  }, "");
}

/**
 * Every leaf of `settings`. A named list item with nothing but its name is a leaf `{}`; an empty object is a leaf
 * too, so adding or removing one shows.
 */
export function settingLeaves(settings: unknown): SettingLeaf[] {
  const leaves: SettingLeaf[] = [];
  const add = (steps: PathStep[], value: unknown): void => {
    if (isNode(value) && Object.keys(value).length > 0) {
      for (const key of Object.keys(value)) add([...steps, { key }], value[key]);
    } else if (isNamedList(value)) {
      for (const item of value) {
        const rest = Object.fromEntries(Object.entries(item).filter(([key]) => key !== "name"));
        const itemSteps = [...steps, { item: item.name as string }];
        if (Object.keys(rest).length === 0) leaves.push({ path: settingPath(itemSteps), steps: itemSteps, value: {} });
        else add(itemSteps, rest);
      }
    } else {
      leaves.push({ path: settingPath(steps), steps, value });
    }
  };
  add([], settings);
  return leaves;
}

/** The value at `steps`, or `found: false` when some step is missing. */
export function settingAt(settings: unknown, steps: readonly PathStep[]): { readonly found: boolean; readonly value?: unknown } {
  let current: unknown = settings;
  for (const step of steps) {
    if ("key" in step) {
      if (!isNode(current) || !(step.key in current)) return { found: false };
      current = current[step.key];
    } else {
      const item: unknown = Array.isArray(current) ? (current as unknown[]).find((candidate) => isNode(candidate) && candidate.name === step.item) : undefined;
      if (item === undefined) return { found: false };
      current = item;
    }
  }
  return { found: true, value: current };
}

/**
 * A copy of `settings` with the leaf at `steps` set to `value`, or removed when `value` is undefined (a named item
 * whose last field goes is removed too). Missing objects and named items on the way are created.
 */
export function withSetting(settings: unknown, steps: readonly PathStep[], value: unknown): unknown {
  if (steps.length === 0) return value;
  const [step, ...rest] = steps;
  if ("key" in step) {
    const node: { [key: string]: unknown } = isNode(settings) ? { ...settings } : {};
    const next = withSetting(node[step.key], rest, value);
    if (next === undefined) delete node[step.key];
    else node[step.key] = next;
    return node;
  }
  const list: unknown[] = Array.isArray(settings) ? [...(settings as unknown[])] : [];
  const index = list.findIndex((candidate) => isNode(candidate) && candidate.name === step.item);
  const found = index >= 0 ? list[index] : undefined;
  const { name: _name, ...fields } = isNode(found) ? found : {};
  const next = withSetting(fields, rest, value);
  const keep = isNode(next) && (Object.keys(next).length > 0 || rest.length === 0) ? { name: step.item, ...next } : undefined;
  if (keep === undefined) return index >= 0 ? list.filter((_, at) => at !== index) : list;
  if (index >= 0) list[index] = keep;
  else list.push(keep);
  return list;
}
