// The schema of one environment's settings after layering (base + environment file).
// Every rule that can be checked on one environment lives here; rules across environments are in validate.ts.
import { z } from "zod";
import * as grammar from "./grammar";
import { isQuantity, parseQuantity, suggestQuantity } from "../model/quantity";
import { ResourceAmounts } from "../model/resource-amounts";
import { DEFAULT_HTTP_PROBES, DEFAULT_PORT, DEFAULT_REPLICAS, DEFAULT_RESOURCES, HttpProbeDefaults } from "../model/service-defaults";

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const S3_BUCKET = /^(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const S3_KEY = /^(?=.{1,900}$)[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*$/;
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
  try {
    new URL(value);
    return undefined;
  } catch {
    return `is not ${valid}`;
  }
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
const hostName = checked((value) => grammar.dns1123Subdomain(value, "host name"));
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

/** Amounts where each one left out takes its default. */
const resourceAmountsOr = (defaults: ResourceAmounts) => z.object({ cpu: quantity.default(defaults.cpu), memory: quantity.default(defaults.memory) }).strict();

/** A limit below its request is refused. */
function limitAtLeastRequest(value: { requests: ResourceAmounts; limits: ResourceAmounts }, ctx: z.RefinementCtx): void {
  for (const kind of ["cpu", "memory"] as const) {
    const request = value.requests[kind];
    const limit = value.limits[kind];
    if (isQuantity(request) && isQuantity(limit) && parseQuantity(limit) < parseQuantity(request)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["limits", kind],
        message: `is below the request "${request}" (a limit must be at least its request)`,
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

/** An HTTP probe; what it leaves out is `defaults`. */
const probe = (defaults: HttpProbeDefaults) =>
  z
    .object({
      path: httpPath.default(defaults.path),
      initialDelaySeconds: nonNegativeInt.default(defaults.initialDelaySeconds),
      periodSeconds: positiveInt.default(defaults.periodSeconds),
      timeoutSeconds: positiveInt.default(defaults.timeoutSeconds),
      failureThreshold: positiveInt.default(defaults.failureThreshold),
    })
    .strict()
    .default({});

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
    path: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, { message: 'is not a plain path prefix ("/" then letters, digits and - . _ ~ /)' }),
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

const grayRelease = z
  .object({ canaryWeight: percentage.default(0), canaryTag: checked(grammar.imageTag).optional() })
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

const image = z.object({ repository: checked(grammar.imageRepository), tag: checked(grammar.imageTag) }).strict();

/** A config value: text, or a number or boolean written as text. */
const configValue = z.union([z.string(), z.number(), z.boolean()]).superRefine((value, ctx) => {
  if (typeof value === "string" && value.includes("\u0000")) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "contains a NUL character, which no environment variable can hold" });
  } else if (typeof value === "number" && !(Math.abs(value) < 1e21)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not a number a config value can hold (finite and below 1e21; quote it to pass it as text)' });
  }
});

export const serviceSchema = z
  .object({
    name: serviceName,
    image,
    port: port.default(DEFAULT_PORT),
    replicas: positiveInt.default(DEFAULT_REPLICAS),
    resources: serviceResources.default({}),
    probes: z
      .object({ liveness: probe(DEFAULT_HTTP_PROBES.liveness), readiness: probe(DEFAULT_HTTP_PROBES.readiness), startup: probe(DEFAULT_HTTP_PROBES.startup) })
      .strict()
      .default({}),
    config: z.record(envVarName, configValue.transform(String)).default({}),
    secrets: z.array(secretReference).default([]),
    ingress: ingress.optional(),
    autoscaling: autoscaling.default({}),
    disruptionBudget: disruptionBudget.default({}),
    grayRelease: grayRelease.default({}),
  })
  .strict();

// Terraform reads backend blocks literally (no templates), so these values are validated, never escaped.
const backend = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local"), path: checked(statePath).optional() }).strict(),
  z
    .object({
      kind: z.literal("s3"),
      bucket: z.string().regex(S3_BUCKET, { message: 'is not an S3 bucket name (3-63 lowercase letters, digits, "." and "-", alphanumeric at both ends)' }),
      key: z.string().regex(S3_KEY, { message: 'is not a state key (letters, digits and ! - _ . * \' ( ) /, not starting with "/", at most 900 characters)' }),
      region: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'is not a region name (lowercase letters, digits and "-", e.g. "us-east-1")' }),
    })
    .strict(),
  z.object({ kind: z.literal("http"), address: checked(httpAddress) }).strict(),
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
    ingressController: z.object({ namespace: dns1123Label }).strict(),
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
export type ResourceSettings = ServiceSettings["resources"];
export type ProbeSettings = ServiceSettings["probes"]["liveness"];
export type SecretReference = ServiceSettings["secrets"][number];
