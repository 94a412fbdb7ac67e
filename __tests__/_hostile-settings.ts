// Hostile settings, generated from the schema: every string field the settings schema has (object fields, list
// items, record keys and values, every kind of a discriminated union), found by walking the zod schema so a field
// added later is covered without a test change. The walker fails on a schema type it does not know.
import { z } from "zod";

/** Values that would be code, or would change a generated file's structure, if rendered as they are. */
export const HOSTILE_VALUES: readonly string[] = [
  '${upper("hostile")}',
  "%{ if true }hostile%{ endif }",
  `say "hi" 'there' \\ back`,
  "line1\nline2\n}",
  "$${already} %%{escaped}",
  "${TfToken[TOKEN.1]}",
];

/** Template sequences of HOSTILE_VALUES as Terraform would evaluate them: none may reach a rendered string unescaped. */
export const LIVE_TEMPLATE = /(^|[^$])\$\{upper\(|(^|[^%])%\{ if true \}/;

type Segment = string | number;

/** One string position of the settings, and how to put a value there. */
export interface StringField {
  /** "services.0.config.<key>" style, for test names. */
  readonly label: string;
  /** Returns a copy of `document` with `value` at this field. */
  apply(document: unknown, value: string): unknown;
}

/** Valid settings for each kind of a discriminated union, so the walker can reach the fields of every kind. */
const UNION_EXAMPLES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  local: { kind: "local" },
  s3: { kind: "s3", bucket: "state-bucket", key: "envapi/staging", region: "eu-west-1" },
  http: { kind: "http", address: "https://state.example/envapi" },
  pg: { kind: "pg", schemaName: "envapi_staging" },
};

const RECORD_KEY = "PLANTED";

/**
 * Fields rendered only when a sibling says so, by key: the preparation that makes them render. The canary's own
 * config reaches a container only while a canary runs.
 */
const RENDERED_WHEN: Readonly<Record<string, (document: unknown, objectPath: readonly Segment[]) => void>> = {
  canaryConfig: (document, objectPath) => {
    setAt(document, [...objectPath, "canaryWeight"], 50);
    setAt(document, [...objectPath, "canaryTag"], "0.2.0");
  },
};

function clone<T>(value: T): T {
  return structuredClone(value);
}

function setAt(document: unknown, path: readonly Segment[], value: unknown): void {
  let current = document as Record<Segment, unknown>;
  for (const segment of path.slice(0, -1)) {
    if (current[segment] === null || typeof current[segment] !== "object") current[segment] = typeof segment === "number" ? [] : {};
    current = current[segment] as Record<Segment, unknown>;
  }
  current[path[path.length - 1]] = value;
}

function getAt(document: unknown, path: readonly Segment[]): unknown {
  return path.reduce<unknown>((current, segment) => (current !== null && typeof current === "object" ? (current as Record<Segment, unknown>)[segment] : undefined), document);
}

type Prepare = (document: unknown) => void;

function unwrap(schema: z.ZodTypeAny): { schema: z.ZodTypeAny; optional: boolean } {
  let current = schema;
  let optional = false;
  for (;;) {
    if (current instanceof z.ZodEffects) current = current.innerType();
    else if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
      optional = true;
      current = current._def.innerType;
    } else return { schema: current, optional };
  }
}

/** Every string field of `schema`, reached from a document shaped like the real settings. */
export function stringFields(schema: z.ZodTypeAny): StringField[] {
  const fields: StringField[] = [];
  const field = (label: string, prepare: readonly Prepare[], put: (document: unknown, value: string) => void) =>
    fields.push({
      label,
      apply(document, value) {
        const copy = clone(document);
        for (const step of prepare) step(copy);
        put(copy, value);
        return copy;
      },
    });

  const walk = (node: z.ZodTypeAny, path: readonly Segment[], prepare: readonly Prepare[]): void => {
    const { schema: inner } = unwrap(node);
    const label = path.join(".");
    if (inner instanceof z.ZodString || inner instanceof z.ZodEnum || inner instanceof z.ZodLiteral) {
      field(label, prepare, (document, value) => setAt(document, path, value));
    } else if (inner instanceof z.ZodNumber || inner instanceof z.ZodBoolean) {
      // not a string
    } else if (inner instanceof z.ZodObject) {
      const shape = inner.shape as Record<string, z.ZodTypeAny>;
      const everyFieldOptional = Object.values(shape).every((child) => unwrap(child).optional);
      for (const [key, child] of Object.entries(shape)) {
        const rendered = RENDERED_WHEN[key];
        if (rendered !== undefined) {
          walk(child, [...path, key], [...prepare, (document) => rendered(document, path)]);
          continue;
        }
        walk(child, [...path, key], prepare);
        // An object of alternatives (a secret's `from`): the field alone, its siblings removed.
        if (everyFieldOptional && Object.keys(shape).length > 1) {
          walk(child, [...path, key], [...prepare, (document) => setAt(document, path, {})]);
        }
      }
    } else if (inner instanceof z.ZodArray) {
      walk(inner.element, [...path, 0], prepare);
    } else if (inner instanceof z.ZodRecord) {
      field(`${label}.<key>`, prepare, (document, value) => setAt(document, [...path, value], exampleRecordValue(inner.valueSchema)));
      walk(inner.valueSchema, [...path, RECORD_KEY], prepare);
    } else if (inner instanceof z.ZodUnion) {
      for (const option of inner.options as z.ZodTypeAny[]) walk(option, path, prepare);
    } else if (inner instanceof z.ZodDiscriminatedUnion) {
      for (const [kind, option] of inner.optionsMap) {
        const example = UNION_EXAMPLES[String(kind)];
        if (example === undefined) throw new Error(`hostile settings: no example for kind "${String(kind)}" at ${label} (add one to UNION_EXAMPLES)`);
        walk(option, path, [...prepare, (document) => setAt(document, path, clone(example))]);
      }
    } else {
      throw new Error(`hostile settings: the schema type ${inner.constructor.name} at ${label || "(root)"} is not handled (teach the walker)`);
    }
  };
  walk(schema, [], []);
  return fields;
}

function exampleRecordValue(schema: z.ZodTypeAny): unknown {
  const { schema: inner } = unwrap(schema);
  if (inner instanceof z.ZodString || inner instanceof z.ZodUnion) return "v";
  throw new Error(`hostile settings: no example value for a record of ${inner.constructor.name}`);
}

/** Strings of the rendered blocks Terraform evaluates (not variables or the terraform block, which it reads literally). */
export function evaluatedStrings(json: Record<string, unknown>): string[] {
  const strings: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === "string") strings.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        strings.push(key);
        collect(item);
      }
    }
  };
  for (const block of ["resource", "data", "provider", "output", "locals", "module"]) collect(json[block]);
  return strings;
}

export { getAt };
