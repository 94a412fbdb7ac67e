// The schema of one environment's settings after layering (base + environment file).
// Every rule that can be checked on one environment lives here; rules across environments are in validate.ts.
import { z } from "zod";
import * as grammar from "./grammar";
import { isCidr } from "../model/cidr";
import { isQuantity, parseQuantity, suggestQuantity } from "../model/quantity";
import { DEFAULT_SECRETS_DIRECTORY as SECRETS_DIRECTORY, RESERVED_VARIABLES } from "../model/app-contract";
import { ResourceAmounts } from "../model/resource-amounts";
import { ContainerAmounts, DEFAULT_HTTP_PROBES, DEFAULT_PORT, DEFAULT_REPLICAS, DEFAULT_RESOURCES, HttpProbeDefaults } from "../model/service-defaults";

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const S3_BUCKET = /^(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const S3_KEY = /^(?=.{1,900}$)[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*$/;
// Lowercase, so it means the same quoted (Terraform quotes it) or not; "pg_" is PostgreSQL's own. 52 characters
// leave room for the platform suffix within PostgreSQL's 63-byte names.
const PG_SCHEMA = /^(?!pg_)[a-z_][a-z0-9_]{0,51}$/;
const AWS_REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;
const LOCAL_PATH = /^(?=.{1,4096}$)[A-Za-z0-9._~/@:+,=-][A-Za-z0-9 ._~/@:+,=-]*$/;
const KUBE_CONTEXT = /^(?=.{1,253}$)[A-Za-z0-9._@:/-]+$/;
const DOCKER_HOST = /^(unix|npipe):\/\/[A-Za-z0-9._~/-]+$|^tcp:\/\/[A-Za-z0-9.-]+:[0-9]{1,5}$|^ssh:\/\/([A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/** The most replicas of one service on a Docker host (each is a container on one machine) unless raised. */
export const DOCKER_MAX_REPLICAS = 20;

function statePath(value: string): string | undefined {
  return grammar.singleLine(value) ?? (value.length === 0 || value.length > 4096 ? "is not a file path (1 to 4096 characters)" : undefined);
}

function secretFilePath(value: string): string | undefined {
  return grammar.singleLine(value) ?? (value.length === 0 || value.length > 4096 ? "is not a file path (1 to 4096 characters, relative to the project root or absolute)" : undefined);
}

function httpAddress(value: string): string | undefined {
  const valid = "an http:// or https:// URL without spaces, quotes or braces";
  if (!/^https?:\/\/[^\s"'<>\\{}|^`]+$/.test(value)) return `is not ${valid}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not ${valid}`;
  }
  // Settings are committed: a user or password here would reach cdk.tf.json, stack.json and every log.
  if (url.username !== "" || url.password !== "") {
    return "carries credentials (user:password@ in the URL); they never go in settings: Terraform's http backend reads TF_HTTP_USERNAME and TF_HTTP_PASSWORD at deploy time";
  }
  return undefined;
}

/** A string that passes `check` (a grammar of grammar.ts); the problem it names becomes the message. */
function checked(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
}

/** A whole number in [min, max]; `valid` names the range in the message. */
function wholeNumber(min: number, max: number, valid = `a whole number from ${min} to ${max}`) {
  return z.number().superRefine((value, ctx) => {
    if (!Number.isInteger(value) || value < min || value > max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `is not ${valid}` });
  });
}

export const dns1123Label = checked(grammar.dns1123Label);
const serviceName = checked(grammar.dns1035Label);
const hostName = checked(grammar.hostName);
const subdomainName = checked((value) => grammar.dns1123Subdomain(value));
const httpPath = checked(grammar.httpPath);
const envVarName = z.string().regex(ENV_VAR_NAME, {
  message: "is not a valid environment variable name (letters, digits and _, not starting with a digit)",
});

const quantity = z.string().superRefine((value, ctx) => {
  if (isQuantity(value)) return;
  const hint = suggestQuantity(value);
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    message: `is not a quantity (${hint ? `try "${hint}"` : 'use e.g. "250m" for CPU or "512Mi" for memory'})`,
  });
});

const positiveInt = wholeNumber(1, grammar.INT32_MAX);
const nonNegativeInt = wholeNumber(0, grammar.INT32_MAX);
const port = wholeNumber(1, 65535, "a valid port (1-65535)");
const percentage = wholeNumber(0, 100, "a whole percentage from 0 to 100");

const resourceAmounts = z.object({ cpu: quantity, memory: quantity }).strict();

/** A container's amounts, where each one left out takes its default. */
const resourceAmountsOr = (defaults: ContainerAmounts) =>
  z.object({ cpu: quantity.default(defaults.cpu), memory: quantity.default(defaults.memory), ephemeralStorage: quantity.default(defaults.ephemeralStorage) }).strict();

/** A limit below its request is refused. */
function limitAtLeastRequest(value: { requests: ResourceAmounts; limits: ResourceAmounts }, ctx: z.RefinementCtx): void {
  for (const kind of ["cpu", "memory", "ephemeralStorage"] as const) {
    const request = value.requests[kind];
    const limit = value.limits[kind];
    if (request !== undefined && limit !== undefined && isQuantity(request) && isQuantity(limit) && parseQuantity(limit) < parseQuantity(request)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["limits", kind],
        // A limit left out is the default, which the file does not show: say what it is.
        message: `is below the request "${request}" (a limit must be at least its request)${limit === DEFAULT_RESOURCES.limits[kind] ? `; the default limit is "${limit}"` : ""}`,
      });
    }
  }
}

/** A container's requests and limits, all four required (the namespace's defaults). */
const resources = z.object({ requests: resourceAmounts, limits: resourceAmounts }).strict().superRefine(limitAtLeastRequest);
/** A service's requests and limits: what it leaves out is DEFAULT_RESOURCES. */
const serviceResources = z
  .object({ requests: resourceAmountsOr(DEFAULT_RESOURCES.requests).default({}), limits: resourceAmountsOr(DEFAULT_RESOURCES.limits).default({}) })
  .strict()
  .superRefine(limitAtLeastRequest);

/** A probe as written: at most one check (an HTTP path, a TCP port or a command) and its timing. */
/** One argument of a command (argv): any text but NUL, which no argv can hold (the kernel ends the string there). */
const NO_NUL = [(value: string) => !value.includes("\u0000"), { message: "holds a NUL character, which no command argument can (it would end there)" }] as const;
const argument = z.string().refine(...NO_NUL);

const probeInput = z
  .object({
    path: httpPath.optional(),
    tcpPort: port.optional(),
    exec: z.array(z.string().min(1, { message: "is an empty argument" }).refine(...NO_NUL)).min(1, { message: "needs a command" }).optional(),
    initialDelaySeconds: nonNegativeInt.optional(),
    periodSeconds: positiveInt.optional(),
    timeoutSeconds: positiveInt.optional(),
    failureThreshold: positiveInt.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const checks = (["path", "tcpPort", "exec"] as const).filter((check) => value[check] !== undefined);
    if (checks.length > 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `sets ${checks.join(" and ")} (a probe is one check: path for HTTP, tcpPort or exec)` });
  });

type ProbeInput = z.output<typeof probeInput>;

/** What a probe checks. */
export type ProbeCheck =
  | { readonly kind: "http"; readonly path: string }
  | { readonly kind: "tcp"; readonly port: number }
  | { readonly kind: "exec"; readonly command: readonly string[] };

function checkOf(probe: ProbeInput | undefined): ProbeCheck | undefined {
  if (probe?.path !== undefined) return { kind: "http", path: probe.path };
  if (probe?.tcpPort !== undefined) return { kind: "tcp", port: probe.tcpPort };
  if (probe?.exec !== undefined) return { kind: "exec", command: probe.exec };
  return undefined;
}

/** A probe with its check and every timing field, what it leaves out taken from `defaults`. */
function completeProbe(probe: ProbeInput | undefined, check: ProbeCheck, defaults: HttpProbeDefaults) {
  return {
    check,
    initialDelaySeconds: probe?.initialDelaySeconds ?? defaults.initialDelaySeconds,
    periodSeconds: probe?.periodSeconds ?? defaults.periodSeconds,
    timeoutSeconds: probe?.timeoutSeconds ?? defaults.timeoutSeconds,
    failureThreshold: probe?.failureThreshold ?? defaults.failureThreshold,
  };
}

/** Where a service's image comes from: built from a folder of this repository, or a prebuilt reference. */
const BUILD_FOLDER = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

const secretReference = z
  .object({
    name: envVarName,
    from: z
      .object({
        env: z
          .string()
          .regex(/^TF_VAR_[A-Za-z_][A-Za-z0-9_]*$/, {
            message: 'is not a Terraform variable environment name (Terraform reads only "TF_VAR_<name>" variables)',
          })
          .optional(),
        file: checked(secretFilePath).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const sources = [value.from?.env, value.from?.file].filter((source) => source !== undefined).length;
    if (sources !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["from"],
        message:
          sources === 0
            ? 'has no source (set "env: TF_VAR_<name>" or "file: <path>"; the value itself never goes in settings)'
            : 'has two sources (set either "env" or "file", not both)',
      });
    }
  });

const ingress = z
  .object({
    host: hostName,
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, { message: 'is not a plain path prefix ("/" then letters, digits and - . _ ~ /)' })
      // The Gateway API and Ingress refuse an empty segment and a "." or ".." one (a path must be normalized).
      .refine((value) => !/\/\//.test(value) && !/\/\.\.?(\/|$)/.test(value), { message: 'has an empty, "." or ".." segment (a route path is normalized: "/api/", not "//api" or "/api/..")' }),
    className: subdomainName,
    tlsSecretName: subdomainName.optional(),
  })
  .strict();

const autoscaling = z
  .object({
    enabled: z.boolean().default(false),
    minReplicas: positiveInt.default(1),
    maxReplicas: positiveInt.default(3),
    targetCPUUtilizationPercentage: wholeNumber(1, 100, "a whole percentage from 1 to 100").default(80),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.maxReplicas < value.minReplicas) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["maxReplicas"], message: `is below minReplicas (${value.minReplicas})` });
    }
  });

const disruptionBudget = z
  .object({ enabled: z.boolean().default(false), minAvailable: nonNegativeInt.default(1) })
  .strict();

/** A config value: text, or a number or boolean written as text. */
const configValue = z.union([z.string(), z.number(), z.boolean()]).superRefine((value, ctx) => {
  if (typeof value === "string" && value.includes("\u0000")) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "contains a NUL character, which no environment variable can hold" });
  } else if (typeof value === "number" && !(Math.abs(value) < 1e21)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not a number a config value can hold (finite and below 1e21; quote it to pass it as text)' });
  }
});

/** Config as environment variables; the variables only the deployment sets (APP_PROTECTED, MISBEHAVE_*) are refused. */
/** A ConfigMap key (each config key is one) is at most 253 characters (Kubernetes' IsConfigMapKey). */
const CONFIG_MAP_KEY_MAX = 253;

const config = z.record(envVarName, configValue.transform(String)).superRefine((values, ctx) => {
  for (const key of Object.keys(values).filter((name) => name.length > CONFIG_MAP_KEY_MAX)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `is a key of ${key.length} characters, more than a ConfigMap key can hold (${CONFIG_MAP_KEY_MAX})`, params: { subject: "key" } });
  }
  for (const key of Object.keys(values).filter((name) => RESERVED_VARIABLES.includes(name))) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: "is set by the deployment, never by config (misbehaviour is the misbehave setting of a track; protection follows `protected`)" });
  }
});

/** What one track does wrong on purpose: for probe tests and a bad canary, refused in a protected environment. */
const misbehaviour = z
  .object({
    failReadiness: z.boolean().default(false),
    failLiveness: z.boolean().default(false),
    errorPercent: percentage.default(0),
    slowPercent: percentage.default(0),
    slowMilliseconds: wholeNumber(1, 60000, "a whole number of milliseconds from 1 to 60000").default(1000),
  })
  .strict();

/** How `npm run release` judges a canary after each step, on the canary's own metrics. */
const analysis = z
  .object({
    windowSeconds: wholeNumber(5, 3600, "a whole number of seconds from 5 to 3600").default(30),
    minSuccessPercent: z.number().min(0, { message: "is not a percentage from 0 to 100" }).max(100, { message: "is not a percentage from 0 to 100" }).default(99),
    maxP95Milliseconds: wholeNumber(1, 60000, "a whole number of milliseconds from 1 to 60000").default(500),
    minRequests: wholeNumber(1, 1000000, "a whole number from 1 to 1000000").default(20),
    /**
     * Where the canary's metrics are read: `direct` (each canary replica's /metrics) or `prometheus` (a private
     * Prometheus, Debian's package, started by the release command and scraping both tracks' replicas by address).
     */
    source: z.enum(["direct", "prometheus"]).default("direct"),
  })
  .strict();

const grayRelease = z
  .object({
    canaryWeight: percentage.default(0),
    canaryTag: checked(grammar.imageTag).optional(),
    /** Pods of the canary track under Gateway routing, at every weight while canaryTag is set (at 100 they carry all the traffic). */
    canaryReplicas: positiveInt.default(1),
    /** The weights `npm run release` steps through, rising, ending at 100. */
    steps: z
      .array(wholeNumber(1, 100, "a whole percentage from 1 to 100"))
      .min(1, { message: "needs at least one step" })
      .default([5, 25, 100])
      .superRefine((steps, ctx) => {
        if (steps.some((step, index) => index > 0 && step <= steps[index - 1]) || steps[steps.length - 1] !== 100) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: "is not a rising list of weights ending at 100 (e.g. [5, 25, 100])" });
        }
      }),
    analysis: analysis.default({}),
    /** The canary track's own config, over the service's. */
    canaryConfig: config.default({}),
    /** The canary track's misbehaviour (the stable track's is the service's `misbehave`). */
    canaryMisbehave: misbehaviour.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.canaryWeight > 0 && value.canaryTag === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["canaryTag"],
        message: `is missing: a canary weight of ${value.canaryWeight} needs the canary image tag`,
      });
    }
  });

/** An image's content digest: pins a prebuilt image to exact bytes, whatever its tag later points at. */
const imageDigest = z.string().regex(/^sha256:[0-9a-f]{64}$/, { message: 'is not an image digest ("sha256:" and 64 lowercase hex digits)' });

const image = z
  .object({
    repository: checked(grammar.imageRepository),
    tag: checked(grammar.imageTag),
    digest: imageDigest.optional(),
    build: z
      .string()
      .regex(BUILD_FOLDER, { message: 'is not a folder of this repository (a relative path like "app", no ".." and no leading "/")' })
      .optional(),
  })
  .strict();

const PROBES = ["liveness", "readiness", "startup"] as const;

const ABSOLUTE_PATH = /^(\/[A-Za-z0-9._-]+)+$/;
const mountPath = z.string().regex(ABSOLUTE_PATH, { message: 'is not an absolute path of plain segments (e.g. "/var/cache")' }).refine((value) => !/\/\.\.?(\/|$)/.test(value), {
  message: 'holds a "." or ".." segment',
});

/** A scratch volume of the pod (an emptyDir; a tmpfs on Docker), so a read-only root filesystem can still write. */
const volume = z
  .object({
    name: dns1123Label,
    sizeLimit: quantity.optional(),
    inMemory: z.boolean().default(false),
    mountPath: mountPath.optional(),
  })
  .strict();

/** A second container beside the service's own (a cache, a proxy): a prebuilt image, as locked down. */
const sidecar = z
  .object({
    name: dns1123Label,
    image: z.object({ repository: checked(grammar.imageRepository), tag: checked(grammar.imageTag), digest: imageDigest.optional() }).strict(),
    args: z.array(argument).optional(),
    resources: serviceResources.default({}),
    liveness: probeInput.optional(),
    mounts: z.record(dns1123Label, mountPath).default({}),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.liveness?.path !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["liveness", "path"], message: "is an HTTP check, but a sidecar has no port of its own here (use tcpPort or exec)" });
    }
  })
  .transform(({ liveness, ...rest }) => {
    const check = checkOf(liveness);
    return { ...rest, liveness: check === undefined ? undefined : completeProbe(liveness, check, DEFAULT_HTTP_PROBES.liveness) };
  });

export const serviceSchema = z
  .object({
    name: serviceName,
    kind: z.enum(["http", "worker"]).default("http"),
    image,
    port: port.optional(),
    replicas: positiveInt.default(DEFAULT_REPLICAS),
    resources: serviceResources.default({}),
    probes: z.object({ liveness: probeInput.optional(), readiness: probeInput.optional(), startup: probeInput.optional() }).strict().default({}),
    config: config.default({}),
    secrets: z.array(secretReference).default([]),
    ingress: ingress.optional(),
    autoscaling: autoscaling.default({}),
    disruptionBudget: disruptionBudget.default({}),
    grayRelease: grayRelease.default({}),
    /** The stable track's misbehaviour on purpose. @default - none */
    misbehave: misbehaviour.optional(),
    sidecars: z.array(sidecar).default([]),
    volumes: z.array(volume).default([]),
  })
  .strict()
  .superRefine((service, ctx) => {
    if (service.image.build !== undefined && service.image.digest !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["image", "digest"], message: `is set, but the image is built here from "${service.image.build}" (its digest is known only after the build; leave it out)` });
    }
    const volumes = new Set(service.volumes.map((item) => item.name));
    // One mount per path in the service's own container, and none over the directory its secrets are files in.
    const mounted = new Map<string, string>();
    service.volumes.forEach((item, index) => {
      if (item.mountPath === undefined) return;
      const other = mounted.get(item.mountPath);
      if (other !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["volumes", index, "mountPath"], message: `is volume ${other}'s mount path too (one volume per path)` });
      else mounted.set(item.mountPath, item.name);
      if (item.mountPath === SECRETS_DIRECTORY || item.mountPath.startsWith(`${SECRETS_DIRECTORY}/`) || SECRETS_DIRECTORY.startsWith(`${item.mountPath}/`)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["volumes", index, "mountPath"], message: `overlaps ${SECRETS_DIRECTORY}, where the service's secrets are files (mount it elsewhere)` });
      }
    });
    service.sidecars.forEach((item, index) => {
      if (item.name === service.name) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["sidecars", index, "name"], message: "is the service's own container name (name the sidecar apart)" });
      // The pod's containers share one network: a check of the service's own port would probe the API, not the sidecar.
      const ownPort = service.kind === "worker" ? undefined : (service.port ?? DEFAULT_PORT);
      if (item.liveness?.check.kind === "tcp" && item.liveness.check.port === ownPort) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["sidecars", index, "liveness", "tcpPort"], message: `is the service's own port: the check would probe the service, not the sidecar (use the sidecar's port)` });
      }
      for (const name of Object.keys(item.mounts).filter((mount) => !volumes.has(mount))) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["sidecars", index, "mounts", name], message: `mounts a volume the service does not declare (volumes: ${[...volumes].join(", ") || "none"})` });
      }
    });
    if (service.kind !== "worker") return;
    const worker = "a worker serves no HTTP";
    if (service.misbehave !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["misbehave"], message: `is set, but ${worker} (misbehaviour is of HTTP answers)` });
    if (service.grayRelease.canaryMisbehave !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["grayRelease", "canaryMisbehave"], message: `is set, but ${worker} (misbehaviour is of HTTP answers)` });
    if (service.port !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["port"], message: `is set, but ${worker} (remove it, or make the service kind: http)` });
    if (service.ingress !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["ingress"], message: `is set, but ${worker} (remove it, or make the service kind: http)` });
    for (const name of PROBES) {
      if (service.probes[name]?.path !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["probes", name, "path"], message: `is an HTTP check, but ${worker} (use tcpPort or exec)` });
    }
    if (checkOf(service.probes.liveness) === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["probes", "liveness"], message: "needs a check: a worker has no HTTP default (set exec: [command, ...] or tcpPort)" });
    }
  })
  .transform((service) => {
    const { kind, port, probes, ...rest } = service;
    if (kind === "worker") {
      // Readiness and startup check what liveness checks unless they say otherwise.
      const liveness = checkOf(probes.liveness) as ProbeCheck;
      const complete = (name: (typeof PROBES)[number]) => completeProbe(probes[name], checkOf(probes[name]) ?? liveness, DEFAULT_HTTP_PROBES[name]);
      return { ...rest, kind, probes: { liveness: complete("liveness"), readiness: complete("readiness"), startup: complete("startup") } };
    }
    const complete = (name: (typeof PROBES)[number]) =>
      completeProbe(probes[name], checkOf(probes[name]) ?? { kind: "http", path: DEFAULT_HTTP_PROBES[name].path }, DEFAULT_HTTP_PROBES[name]);
    return { ...rest, kind, port: port ?? DEFAULT_PORT, probes: { liveness: complete("liveness"), readiness: complete("readiness"), startup: complete("startup") } };
  });

/** A destination the environment's pods may open connections to: an IP block or a namespace, on some ports. */
const egressRule = z
  .object({
    cidr: checked((value) => (isCidr(value) ? undefined : 'is not an IP block in CIDR notation (e.g. "10.20.0.0/16" or "2001:db8::/32")')).optional(),
    namespace: dns1123Label.optional(),
    ports: z.array(z.object({ port, protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP") }).strict()).default([]),
  })
  .strict()
  .superRefine((value, ctx) => {
    const destinations = [value.cidr, value.namespace].filter((destination) => destination !== undefined).length;
    if (destinations !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: destinations === 0 ? 'names no destination (set "cidr: <block>" or "namespace: <name>")' : 'names two destinations (set either "cidr" or "namespace"; list them as two entries)',
      });
    }
  });

/** Where a metrics scraper (Prometheus) reaches the pods from: one source, admitted to the HTTP ports only. */
const metricsScraper = z
  .object({
    cidr: checked((value) => (isCidr(value) ? undefined : 'is not an IP block in CIDR notation (e.g. "10.244.0.1/32")')).optional(),
    namespace: dns1123Label.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const sources = [value.cidr, value.namespace].filter((source) => source !== undefined).length;
    if (sources !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: sources === 0 ? 'names no source (set "cidr: <block>" or "namespace: <name>")' : 'names two sources (set either "cidr" or "namespace")',
      });
    }
  });

// Terraform reads backend blocks literally (no templates), so these values are validated, never escaped. Nothing
// secret is a setting: credentials, endpoints and connection strings come from the environment at deploy time.
const s3Option = z.boolean().optional();
const backend = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local"), path: checked(statePath).optional() }).strict(),
  z
    .object({
      kind: z.literal("s3"),
      bucket: z.string().regex(S3_BUCKET, { message: 'is not an S3 bucket name (3-63 lowercase letters, digits, "." and "-", alphanumeric at both ends)' }),
      key: z.string().regex(S3_KEY, { message: 'is not a state key (letters, digits and ! - _ . * \' ( ) /, not starting with "/", at most 900 characters)' }),
      region: z.string().regex(AWS_REGION, { message: 'is not a region name (lowercase letters, digits and "-", e.g. "us-east-1")' }).optional(),
      // Terraform's switches for S3-compatible servers (no environment variable sets them).
      usePathStyle: s3Option,
      skipCredentialsValidation: s3Option,
      skipRequestingAccountId: s3Option,
      skipRegionValidation: s3Option,
      skipS3Checksum: s3Option,
    })
    .strict(),
  z.object({ kind: z.literal("http"), address: checked(httpAddress) }).strict(),
  z
    .object({
      kind: z.literal("pg"),
      schemaName: z.string().regex(PG_SCHEMA, {
        message: 'is not a PostgreSQL schema name here (lowercase letters, digits and "_", not starting with a digit or "pg_", at most 52 characters: "_<platform>" is appended)',
      }),
    })
    .strict(),
]);

export const environmentSchema = z
  .object({
    project: dns1123Label,
    namespace: dns1123Label,
    protected: z.boolean(),
    labels: z.record(z.string(), checked(grammar.labelValue)).superRefine((labels, ctx) => {
      for (const key of Object.keys(labels)) {
        const problem = grammar.labelKey(key);
        if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: problem, params: { subject: "key" } });
      }
    }),
    quota: z.object({ requests: resourceAmounts, limits: resourceAmounts, pods: positiveInt }).strict(),
    defaultContainerLimits: resources,
    ingressController: z
      .object({
        namespace: dns1123Label,
        /**
         * How outside traffic reaches HTTP services: `gateway` (an HTTPRoute on the Gateway below, whose weighted
         * backends split a canary's traffic exactly) or `ingress` (an Ingress of the service's className, for a
         * cluster with only an ingress controller; a canary's share then follows its share of the replicas).
         */
        routing: z.enum(["gateway", "ingress"]).default("gateway"),
        /**
         * The controller's pods' port that serves routed requests (Traefik's `web` entry point in
         * cluster/traffic-entry.yaml): the one port of its namespace pods may open connections to.
         */
        webPort: port.default(8000),
        /** The Gateway routes attach to (in the controller's namespace) and its listener. */
        gateway: z.object({ name: subdomainName, listener: dns1123Label }).strict().default({ name: "envapi", listener: "web" }),
      })
      .strict(),
    egress: z.array(egressRule).default([]),
    /** The metrics scraper's source, admitted to each HTTP service's port by a NetworkPolicy of its own. @default - none */
    metricsScraper: metricsScraper.optional(),
    target: z
      .object({
        platform: z.enum(["kubernetes", "docker"]),
        kubernetes: z
          .object({
            configPath: z.string().regex(LOCAL_PATH, { message: "is not a file path (letters, digits, spaces and . _ ~ / @ : + , = -)" }),
            context: z.string().regex(KUBE_CONTEXT, { message: "is not a kubeconfig context name (letters, digits and . _ @ : / -)" }),
          })
          .strict(),
        docker: z
          .object({
            host: z.string().regex(DOCKER_HOST, { message: 'is not a Docker host address (unix://<path>, tcp://<host>:<port>, ssh://[user@]<host> or npipe://<path>)' }),
            ingressPort: port,
            maxReplicas: positiveInt.optional(),
          })
          .strict(),
      })
      .strict(),
    backend,
    services: z.array(serviceSchema).min(1, { message: "must list at least one service" }),
  })
  .strict();

export type EnvironmentSettings = z.output<typeof environmentSchema>;
export type ServiceSettings = z.output<typeof serviceSchema>;
/** A service served over HTTP: a port, a Service, a traffic entry. */
export type HttpServiceSettings = Extract<ServiceSettings, { kind: "http" }>;
/** A worker: no port, no Service, exec or TCP probes. */
export type WorkerServiceSettings = Extract<ServiceSettings, { kind: "worker" }>;
export type ResourceSettings = ServiceSettings["resources"];
export type ProbeSettings = ServiceSettings["probes"]["liveness"];
export type SecretReference = ServiceSettings["secrets"][number];
export type EgressSettings = EnvironmentSettings["egress"][number];
