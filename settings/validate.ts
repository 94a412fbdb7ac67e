// Validation of layered settings: schema rules per environment, rules that need the environment's name,
// and rules across environments. All problems are collected and reported together.
import { z } from "zod";
import { appEnvironment, misbehaves, misbehaviourEnvironment } from "../model/app-contract";
import { splitReplicas } from "../model/gray-release";
import { DOCKER_MAX_REPLICAS, EnvironmentSettings, environmentSchema } from "./settings-schema";
import { bounded, firstFew, hiddenValue, shownText } from "./shown-value";
import { backendOf, Platform, PLATFORMS, stateLocation } from "./state-backend";

/** The marker cdktf encodes a string token with: a settings string holding it could smuggle in an expression. */
export const TOKEN_MARKER = "TfToken[";

/** Kubernetes' limit on a ConfigMap's data: keys and values together (k8s.io/api core validation). */
const CONFIG_MAP_MAX_BYTES = 1024 * 1024;

/** A validated environment: its name plus its layered, typed settings. */
export interface Environment extends EnvironmentSettings {
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
      if (typeof segment !== "number") return pathSegment(segment);
      const item = valueAt(root, path.slice(0, index + 1));
      const name = item !== null && typeof item === "object" ? (item as Record<string, unknown>).name : undefined;
      return typeof name === "string" && name !== "" ? pathSegment(name) : String(segment);
    })
    .join(".");
}

/** A key or name as a path segment: as it is when plain, quoted (on one line) when not. */
export function pathSegment(segment: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(segment) ? bounded(segment) : JSON.stringify(shownText(segment));
}

/** The schema at `path`, following the raw value through discriminated unions (e.g. `backend.kind`). */
function schemaAt(schema: z.ZodTypeAny, raw: unknown, path: readonly PathSegment[]): z.ZodTypeAny | undefined {
  let current: z.ZodTypeAny | undefined = unwrap(schema);
  for (let index = 0; index <= path.length && current; index++) {
    if (current instanceof z.ZodDiscriminatedUnion) {
      const union = current as z.ZodDiscriminatedUnion<string, z.ZodDiscriminatedUnionOption<string>[]>;
      const value = valueAt(raw, path.slice(0, index)) as Record<string, unknown> | undefined;
      const option: z.ZodTypeAny | undefined = union.optionsMap.get(value?.[union.discriminator] as z.Primitive);
      current = option && unwrap(option);
    }
    if (index === path.length || !current) break;
    const segment = path[index];
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodTypeAny>)[segment as string];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodTypeAny;
    else if (current instanceof z.ZodRecord) current = current.valueSchema as z.ZodTypeAny;
    else return undefined;
    current = current && unwrap(current);
  }
  return current;
}

/** The keys an object schema accepts at `path`, used to name the valid choices for a typo. */
function knownKeys(raw: unknown, path: readonly PathSegment[]): string[] {
  const schema = schemaAt(environmentSchema, raw, path);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape as Record<string, unknown>) : [];
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodEffects) current = current.innerType() as z.ZodTypeAny;
    else if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = (current._def as { innerType: z.ZodTypeAny }).innerType;
    else return current;
  }
}

/**
 * A value as the settings file wrote it: YAML's .inf and .nan stay readable, credentials in URLs are masked, long
 * text is cut (settings/shown-value.ts).
 */
function describeValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
  if (typeof value === "string") return JSON.stringify(shownText(value));
  const text: string = JSON.stringify(value, (_key, item: unknown) => (typeof item === "number" && !Number.isFinite(item) ? describeValue(item) : item)) ?? "(undefined)";
  return shownText(text);
}

/** Where a value may be a secret pasted in the wrong place: a secret's source (settings carry only references). */
function inSecretsPlace(path: readonly PathSegment[]): boolean {
  const at = path.map(String);
  return at.includes("secrets") && (at.includes("from") || at.at(-1) === "value");
}

/** Paths of every string (or key) in `raw` that holds cdktf's token marker. */
function tokenMarkers(raw: unknown, path: PathSegment[] = []): PathSegment[][] {
  if (typeof raw === "string") return raw.includes(TOKEN_MARKER) ? [path] : [];
  if (raw === null || typeof raw !== "object") return [];
  return Object.entries(raw).flatMap(([key, item]) =>
    key.includes(TOKEN_MARKER) ? [[...path, key]] : tokenMarkers(item, [...path, Array.isArray(raw) ? Number(key) : key]),
  );
}

function formatIssue(environment: string, raw: unknown, issue: z.ZodIssue): string[] {
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const valid = knownKeys(raw, issue.path);
    return issue.keys.map((key) => {
      const where = displayPath(raw, [...issue.path, key]);
      return `${environment}: ${where} is not a known setting${valid.length > 0 ? ` (valid here: ${valid.join(", ")})` : ""}`;
    });
  }
  const where = displayPath(raw, issue.path) || "(settings)";
  const received = valueAt(raw, issue.path);
  if (issue.code === z.ZodIssueCode.invalid_type && received === undefined) {
    return [`${environment}: ${where} is missing (expected ${issue.expected})`];
  }
  if (issue.code === z.ZodIssueCode.custom && issue.params?.subject === "key") {
    const key = issue.path[issue.path.length - 1];
    return [`${environment}: ${displayPath(raw, issue.path.slice(0, -1))} key ${describeValue(key)} ${issue.message}`];
  }
  return [`${environment}: ${where} ${inSecretsPlace(issue.path) && received !== undefined ? hiddenValue(received) : describeValue(received)} ${issueMessage(issue)}`];
}

/** Zod's message for an issue, reworded where zod's own would not say what is valid. */
function issueMessage(issue: z.ZodIssue): string {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === "nan") return `is not a number (expected ${issue.expected})`;
      return `has the wrong type (expected ${issue.expected}, received ${issue.received})`;
    case z.ZodIssueCode.invalid_union_discriminator:
      return `is not a known kind (valid: ${issue.options.map(String).join(", ")})`;
    case z.ZodIssueCode.invalid_enum_value:
      return `is not one of ${issue.options.map(String).join(", ")}`;
    case z.ZodIssueCode.invalid_literal:
      return `is not ${JSON.stringify(issue.expected)}`;
    case z.ZodIssueCode.invalid_union:
      return "is not text, a number or true/false";
    case z.ZodIssueCode.custom:
      return issue.message;
    default:
      return issue.message === "Invalid input" ? "is not valid here" : issue.message;
  }
}

/** Namespaces every cluster has: an environment's objects (and its destroy) never go there. */
export const CLUSTER_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Rules that depend on which environment this is and on the platform it deploys to. */
function environmentRules(spec: Environment, platform: Platform): string[] {
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
      for (const [field, misbehaviour] of [["misbehave", service.misbehave], ["grayRelease.canaryMisbehave", service.grayRelease.canaryMisbehave]] as const) {
        if (misbehaves(misbehaviour)) {
          const on = Object.entries(misbehaviourEnvironment(misbehaviour)).map(([name, value]) => `${name}=${value}`).join(", ");
          problems.push(`${at}.${field} (${on}) is refused in a protected environment, and the app refuses it too (misbehaviour is for tests and release drills: remove it)`);
        }
      }
    }
    if (platform === "kubernetes" && spec.ingressController.routing === "gateway" && service.kind === "http" && service.ingress?.tlsSecretName !== undefined) {
      problems.push(`${at}.ingress.tlsSecretName "${service.ingress.tlsSecretName}" is for ingressController.routing "ingress": under Gateway routing TLS is the Gateway listener's certificate, not the route's (remove it, or set ingressController.routing: ingress)`);
    }
    const configBytes = Object.entries(configMapData(spec, service)).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
    if (configBytes > CONFIG_MAP_MAX_BYTES) {
      problems.push(`${at}.config holds ${configBytes} bytes, more than a ConfigMap can (${CONFIG_MAP_MAX_BYTES} bytes of keys and values; move large data to a file or volume)`);
    }
  }
  if (platform === "kubernetes") {
    problems.push(...podQuotaRule(spec));
    const reserved = [...CLUSTER_NAMESPACES, spec.ingressController.namespace];
    if (reserved.includes(spec.namespace)) {
      problems.push(`${spec.name}: namespace "${spec.namespace}" is the cluster's own or the traffic entry's (${reserved.join(", ")}), never an environment's (name one of its own)`);
    }
  }
  if (platform === "docker") {
    problems.push(...dockerHealthCheckRules(spec));
    const max = spec.target.docker.maxReplicas ?? DOCKER_MAX_REPLICAS;
    for (const service of spec.services.filter((candidate) => candidate.replicas > max)) {
      problems.push(
        `${spec.name}: services.${service.name}.replicas ${service.replicas} is more than target.docker.maxReplicas allows on one Docker host (${max}; every replica is a container on the same machine: lower replicas or raise target.docker.maxReplicas)`,
      );
    }
  }
  return problems;
}

/**
 * On Docker a probe becomes a health check, which is a command run in the container: an exec probe as it is, an
 * HTTP probe through the API binary's `/app healthcheck` (only in images built here), and no TCP probe at all.
 */
function dockerHealthCheckRules(spec: Environment): string[] {
  const problems: string[] = [];
  for (const service of spec.services) {
    const at = `${spec.name}: services.${service.name}`;
    const readiness = service.probes.readiness.check;
    if (readiness.kind === "tcp") problems.push(`${at}.probes.readiness is a TCP check, which Docker cannot run as a health check (use exec: [command, ...])`);
    if (readiness.kind === "http" && service.image.build === undefined) {
      problems.push(`${at}.probes.readiness is an HTTP check, which on Docker runs the image's /app healthcheck, and only images built here (image.build) have it (use exec: [command, ...])`);
    }
    for (const sidecar of service.sidecars) {
      if (sidecar.liveness?.check.kind === "tcp") problems.push(`${at}.sidecars.${sidecar.name}.liveness is a TCP check, which Docker cannot run as a health check (use exec: [command, ...])`);
    }
  }
  return problems;
}

/** The ConfigMap a service gets: its config plus the app's environment contract. */
function configMapData(spec: Environment, service: Environment["services"][number]): Record<string, string> {
  const port = service.kind === "http" ? service.port : undefined;
  return { ...service.config, ...appEnvironment({ environment: spec.name, port, secretNames: service.secrets.map((secret) => secret.name), protected: spec.protected }) };
}

/**
 * The most pods the environment's services can run at once must fit the pod quota: each service at its autoscaling
 * maximum (or its replicas), split with its canary, plus the rolling update's surge of 25% per Deployment. Under
 * Gateway routing the stable track keeps all its pods beside the canary's own (grayRelease.canaryReplicas), which
 * run at every weight while a canary tag is set.
 */
function podQuotaRule(spec: Environment): string[] {
  const surge = (replicas: number) => Math.ceil(replicas / 4);
  const routed = spec.ingressController.routing === "gateway";
  const parts = spec.services.map((service) => {
    const { canaryTag, canaryWeight } = service.grayRelease;
    const stableMost = service.autoscaling.enabled ? Math.max(service.replicas, service.autoscaling.maxReplicas) : service.replicas;
    if (routed && service.kind === "http" && service.ingress !== undefined && canaryTag !== undefined) {
      const canary = service.grayRelease.canaryReplicas;
      const pods = stableMost + surge(stableMost) + canary + surge(canary);
      return { pods, text: `${service.name} ${pods} (${stableMost} stable${service.autoscaling.enabled ? " at the autoscaling maximum" : ""} and ${canary} canary, plus surge)` };
    }
    if (canaryTag !== undefined && canaryWeight > 0) {
      const split = splitReplicas(service.replicas, canaryWeight);
      const pods = split.stable + surge(split.stable) + split.canary + surge(split.canary);
      return { pods, text: `${service.name} ${pods} (${split.stable} stable and ${split.canary} canary, plus surge)` };
    }
    const replicas = service.autoscaling.enabled ? Math.max(service.replicas, service.autoscaling.maxReplicas) : service.replicas;
    const pods = replicas + surge(replicas);
    return { pods, text: `${service.name} ${pods} (${replicas}${service.autoscaling.enabled ? " at the autoscaling maximum" : ""}, plus ${surge(replicas)} surge)` };
  });
  const total = parts.reduce((sum, part) => sum + part.pods, 0);
  if (total <= spec.quota.pods) return [];
  return [`${spec.name}: quota.pods ${spec.quota.pods} is below the ${total} pods the services can run at once (${firstFew(parts.map((part) => part.text))}): raise quota.pods or lower replicas`];
}

/** Rules across environments: nothing that routes or isolates may be shared. */
function crossEnvironmentRules(specs: readonly Environment[]): string[] {
  const problems: string[] = [];
  const claim = (owners: Map<string, string>, key: string, owner: string, describeClash: (other: string) => string) => {
    const other = owners.get(key);
    if (other !== undefined && other !== owner) problems.push(describeClash(other));
    else owners.set(key, owner);
  };
  const hosts = new Map<string, string>();
  const namespaces = new Map<string, string>();
  const ports = new Map<string, string>();
  const states = new Map<string, string>();
  for (const spec of specs) {
    for (const platform of PLATFORMS) {
      const location = stateLocation(backendOf(spec, platform), spec.name);
      claim(states, location, `${spec.name} on ${platform}`, (other) => `${spec.name}: backend keeps its ${platform} state in ${location}, which ${other} uses too (every environment and platform needs its own state)`);
    }
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

/** Options for {@link validateEnvironments}. */
export interface ValidateOptions {
  /** The platform every environment deploys to (DEPLOY_TARGET), for the rules that depend on it. @default - each environment's target.platform */
  readonly platform?: Platform;
}

/**
 * Validates the layered settings of every environment (name → merged raw settings).
 * Returns the typed specs, or throws one ConfigError listing every problem found.
 */
export function validateEnvironments(layered: ReadonlyMap<string, unknown>, options: ValidateOptions = {}): Environment[] {
  const problems: string[] = [];
  const specs: Environment[] = [];
  for (const [name, raw] of layered) {
    const nameCheck = z.string().regex(/^[a-z][a-z0-9-]*$/).safeParse(name);
    if (!nameCheck.success) {
      problems.push(`${name}: environment name "${name}" is not valid (lowercase letters, digits and "-", starting with a letter)`);
      continue;
    }
    const markers = tokenMarkers(raw);
    if (markers.length > 0) {
      problems.push(...markers.map((at) => `${name}: ${displayPath(raw, at)} holds "${TOKEN_MARKER}", which cdktf reserves for Terraform expressions (settings are data: remove it)`));
      continue;
    }
    const parsed = environmentSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.flatMap((issue) => formatIssue(name, raw, issue)));
      continue;
    }
    const spec: Environment = { ...parsed.data, name };
    problems.push(...environmentRules(spec, options.platform ?? spec.target.platform));
    specs.push(spec);
  }
  problems.push(...crossEnvironmentRules(specs));
  if (problems.length > 0) throw new ConfigError(problems);
  return specs;
}
