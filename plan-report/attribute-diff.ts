// The attributes one resource change alters, leaf by leaf, with sensitive parts masked and unknown parts named.
// A masked value never leaves this file: a sensitive leaf carries only the fact that it is sensitive.
import { JsonValue, PlanChange } from "./plan-json";

/** What a report may show of one side of an attribute change. */
export type ShownValue =
  | { readonly kind: "value"; readonly value: JsonValue }
  | { readonly kind: "sensitive" }
  | { readonly kind: "unknown" }
  | { readonly kind: "absent" };

/** One attribute that changes. */
export interface AttributeChange {
  /** Terraform-style path: `spec[0].replicas`, `metadata[0].labels["app.kubernetes.io/name"]`. */
  readonly path: string;
  readonly before: ShownValue;
  readonly after: ShownValue;
  /** The change of this attribute forces the resource's replacement. */
  readonly forcesReplacement: boolean;
}

type Segment = string | number;
type Container = JsonValue[] | { [key: string]: JsonValue };

const ABSENT: ShownValue = { kind: "absent" };
const SENSITIVE: ShownValue = { kind: "sensitive" };
const UNKNOWN: ShownValue = { kind: "unknown" };

const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null;
const isAbsent = (value: unknown): value is null | undefined => value === null || value === undefined;

/** Structural equality of JSON values; null and a missing value are the same. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (isAbsent(a) || isAbsent(b)) return isAbsent(a) && isAbsent(b);
  if (!isContainer(a) || !isContainer(b)) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** `true` anywhere in a mask (after_unknown, *_sensitive). */
function anyTrue(mask: unknown): boolean {
  if (mask === true) return true;
  return isContainer(mask) && Object.values(mask).some(anyTrue);
}

/** The part of a mask at `key`: the mask itself when it covers the whole subtree. */
function maskAt(mask: unknown, key: Segment): unknown {
  if (mask === true) return true;
  return isContainer(mask) ? (mask as Record<string, unknown>)[key] : undefined;
}

const at = (value: unknown, key: Segment): unknown => (isContainer(value) ? (value as Record<string, unknown>)[key] : undefined);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Joins path segments Terraform's way. */
export function formatPath(segments: readonly Segment[]): string {
  return segments
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      if (IDENTIFIER.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join("");
}

/** Keys of either side, and of the unknown mask: an attribute known only after apply is missing from `after`. */
function keysOf(before: unknown, after: unknown, unknown: unknown): Segment[] {
  const sides = [before, after, unknown];
  if (sides.some(Array.isArray)) {
    const length = Math.max(...sides.map((side) => (Array.isArray(side) ? side.length : 0)));
    return Array.from({ length }, (_, index) => index);
  }
  const keys = new Set(sides.flatMap((side) => (isContainer(side) ? Object.keys(side) : [])));
  return [...keys].sort();
}

function startsWith(path: readonly Segment[], prefix: readonly Segment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);
}

interface Walk {
  readonly replacePaths: ReadonlyArray<ReadonlyArray<Segment>>;
  readonly rows: AttributeChange[];
}

function push(walk: Walk, path: readonly Segment[], before: ShownValue, after: ShownValue): void {
  const forcesReplacement = walk.replacePaths.some((prefix) => startsWith(path, prefix) || startsWith(prefix, path));
  walk.rows.push({ path: formatPath(path), before, after, forcesReplacement });
}

const shown = (value: unknown): ShownValue => (isAbsent(value) ? ABSENT : { kind: "value", value: value as JsonValue });

function visit(walk: Walk, path: Segment[], before: unknown, after: unknown, unknown: unknown, beforeSensitive: unknown, afterSensitive: unknown): void {
  // Terraform masks both sides when either is sensitive: comparing them would leak the secret.
  if (beforeSensitive === true || afterSensitive === true) {
    if (unknown === true || anyTrue(unknown) || !jsonEqual(before, after)) {
      push(walk, path, isAbsent(before) ? ABSENT : SENSITIVE, unknown === true ? UNKNOWN : isAbsent(after) ? ABSENT : SENSITIVE);
    }
    return;
  }
  if (unknown === true) {
    // A computed value only the apply will know; an object's old content is masked where it was sensitive.
    push(walk, path, anyTrue(beforeSensitive) ? SENSITIVE : shown(before), UNKNOWN);
    return;
  }
  const descend = isContainer(before) || isContainer(after);
  const sameShape = !isContainer(before) || !isContainer(after) || Array.isArray(before) === Array.isArray(after);
  if (descend && sameShape && (isContainer(before) || isAbsent(before)) && (isContainer(after) || isAbsent(after))) {
    for (const key of keysOf(before, after, unknown)) {
      visit(walk, [...path, key], at(before, key), at(after, key), maskAt(unknown, key), maskAt(beforeSensitive, key), maskAt(afterSensitive, key));
    }
    return;
  }
  if (!jsonEqual(before, after)) {
    const masked = anyTrue(beforeSensitive) || anyTrue(afterSensitive);
    push(walk, path, masked && !isAbsent(before) ? SENSITIVE : shown(before), masked && !isAbsent(after) ? SENSITIVE : shown(after));
  }
}

/** Every leaf attribute whose value differs between `before` and `after`, in a stable order. */
export function attributeChanges(change: PlanChange): AttributeChange[] {
  const walk: Walk = { replacePaths: change.replace_paths ?? [], rows: [] };
  visit(walk, [], change.before, change.after, change.after_unknown, change.before_sensitive, change.after_sensitive);
  return walk.rows;
}
