// Deep merge of the base settings with one environment's overrides.
// Objects merge key by key; lists of named items ("services", "secrets") merge item by item on `name`,
// so an environment file can change one field of one service; any other list is replaced whole.

export type Settings = { readonly [key: string]: unknown };

function isPlainObject(value: unknown): value is Settings {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNamedList(value: unknown): value is Settings[] {
  return Array.isArray(value) && value.every((item) => isPlainObject(item) && typeof item.name === "string");
}

function mergeNamedLists(base: Settings[], override: Settings[]): Settings[] {
  const merged = base.map((item) => {
    const patch = override.find((candidate) => candidate.name === item.name);
    return patch ? (deepMerge(item, patch) as Settings) : item;
  });
  const added = override.filter((item) => !base.some((candidate) => candidate.name === item.name));
  return [...merged, ...added];
}

/** Merges `override` over `base` without mutating either. `null` in the override removes a key. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (isNamedList(base) && isNamedList(override)) return mergeNamedLists(base, override);
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const result: { [key: string]: unknown } = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = deepMerge(base[key], value);
    }
  }
  return result;
}
