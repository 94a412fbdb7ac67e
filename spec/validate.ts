// Validation of layered settings: schema rules per environment, rules that need the environment's name,
// and rules across environments. All problems are collected and reported together.
import { z } from "zod";
import { EnvironmentSettings, environmentSchema } from "./settings-schema";

/** A validated environment: its name plus its layered, typed settings. */
export interface EnvironmentSpec extends EnvironmentSettings {
  /** Environment name (the stack name), e.g. "staging". */
  readonly name: string;
}

/** Raised when settings are invalid; `problems` holds one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment settings (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type PathSegment = string | number;

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment as string];
  }
  return current;
}

/** "services.0.resources" → "services.api.resources": list items are named by their `name` where they have one. */
function displayPath(root: unknown, path: readonly PathSegment[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment !== "number") return segment;
      const item = valueAt(root, path.slice(0, index + 1));
      const name = item !== null && typeof item === "object" ? (item as Record<string, unknown>).name : undefined;
      return typeof name === "string" && name !== "" ? name : String(segment);
    })
    .join(".");
}

/** The keys an object schema accepts at `path`, used to name the valid choices for a typo. */
function knownKeys(schema: z.ZodTypeAny, path: readonly PathSegment[]): string[] {
  let current: z.ZodTypeAny | undefined = schema;
  for (const segment of path) {
    current = current && unwrap(current);
    if (current instanceof z.ZodObject) current = current.shape[segment as string];
    else if (current instanceof z.ZodArray) current = current.element;
    else if (current instanceof z.ZodRecord) current = current.valueSchema;
    else return [];
  }
  current = current && unwrap(current);
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodEffects) current = current.innerType();
    else if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current._def.innerType;
    else return current;
  }
}

function describe(value: unknown): string {
  return value === undefined ? "(missing)" : JSON.stringify(value);
}

function formatIssue(environment: string, raw: unknown, issue: z.ZodIssue): string[] {
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const valid = knownKeys(environmentSchema, issue.path);
    return issue.keys.map((key) => {
      const where = displayPath(raw, [...issue.path, key]);
      return `${environment}: ${where} is not a known setting (valid here: ${valid.join(", ")})`;
    });
  }
  const where = displayPath(raw, issue.path) || "(settings)";
  const received = valueAt(raw, issue.path);
  if (issue.code === z.ZodIssueCode.invalid_type && received === undefined) {
    return [`${environment}: ${where} is missing (expected ${issue.expected})`];
  }
  const message = issue.code === z.ZodIssueCode.invalid_type ? `has the wrong type (expected ${issue.expected}, received ${issue.received})` : issue.message;
  return [`${environment}: ${where} ${describe(received)} ${message}`];
}

/** Rules that depend on which environment this is. */
function environmentRules(spec: EnvironmentSpec): string[] {
  const problems: string[] = [];
  for (const service of spec.services) {
    const at = `${spec.name}: services.${service.name}`;
    if (spec.name !== "dev") {
      if (service.image.tag === "latest") {
        problems.push(`${at}.image.tag "latest" is only allowed in dev (pin a version tag)`);
      }
      if (service.grayRelease.canaryTag === "latest") {
        problems.push(`${at}.grayRelease.canaryTag "latest" is only allowed in dev (pin a version tag)`);
      }
    }
    if (spec.protected) {
      if (service.replicas < 2) {
        problems.push(`${at}.replicas ${service.replicas} is too few for a protected environment (at least 2)`);
      }
      if (!service.disruptionBudget.enabled) {
        problems.push(`${at}.disruptionBudget.enabled false is not allowed in a protected environment (a disruption budget is required)`);
      }
    }
  }
  return problems;
}

/** Rules across environments: nothing that routes or isolates may be shared. */
function crossEnvironmentRules(specs: readonly EnvironmentSpec[]): string[] {
  const problems: string[] = [];
  const claim = (owners: Map<string, string>, key: string, owner: string, describeClash: (other: string) => string) => {
    const other = owners.get(key);
    if (other !== undefined && other !== owner) problems.push(describeClash(other));
    else owners.set(key, owner);
  };
  const hosts = new Map<string, string>();
  const namespaces = new Map<string, string>();
  const ports = new Map<string, string>();
  for (const spec of specs) {
    claim(namespaces, spec.namespace, spec.name, (other) => `${spec.name}: namespace "${spec.namespace}" is already used by ${other} (every environment needs its own namespace)`);
    claim(ports, String(spec.target.docker.ingressPort), spec.name, (other) => `${spec.name}: target.docker.ingressPort ${spec.target.docker.ingressPort} is already used by ${other} (every environment needs its own port)`);
    for (const service of spec.services) {
      if (!service.ingress) continue;
      const host = service.ingress.host;
      claim(hosts, host, `${spec.name}/${service.name}`, (other) => `${spec.name}: services.${service.name}.ingress.host "${host}" is already used by ${other.replace("/", " service ")} (ingress hosts must be unique across environments)`);
    }
  }
  return problems;
}

/**
 * Validates the layered settings of every environment (name → merged raw settings).
 * Returns the typed specs, or throws one ConfigError listing every problem found.
 */
export function validateEnvironments(layered: ReadonlyMap<string, unknown>): EnvironmentSpec[] {
  const problems: string[] = [];
  const specs: EnvironmentSpec[] = [];
  for (const [name, raw] of layered) {
    const nameCheck = z.string().regex(/^[a-z][a-z0-9-]*$/).safeParse(name);
    if (!nameCheck.success) {
      problems.push(`${name}: environment name "${name}" is not valid (lowercase letters, digits and "-", starting with a letter)`);
      continue;
    }
    const parsed = environmentSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.flatMap((issue) => formatIssue(name, raw, issue)));
      continue;
    }
    const spec: EnvironmentSpec = { ...parsed.data, name };
    problems.push(...environmentRules(spec));
    specs.push(spec);
  }
  problems.push(...crossEnvironmentRules(specs));
  if (problems.length > 0) throw new ConfigError(problems);
  return specs;
}
