// The schema of one environment's settings after layering (base + environment file).
// Every rule that can be checked on one environment lives here; rules across environments are in validate.ts.
import { z } from "zod";
import { isQuantity, parseQuantity, suggestQuantity } from "./quantity";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const dns1123Label = z
  .string()
  .refine((value) => value.length <= 63 && DNS1123_LABEL.test(value), {
    message: 'is not a valid Kubernetes name (DNS-1123 label: lowercase letters, digits and "-", alphanumeric at both ends, at most 63 characters)',
  });

const dns1123Subdomain = z
  .string()
  .refine((value) => value.length <= 253 && DNS1123_SUBDOMAIN.test(value), {
    message: 'is not a valid host name (DNS-1123 subdomain: lowercase letters, digits, "-" and ".", at most 253 characters)',
  });

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

const positiveInt = z.number().int().min(1, { message: "must be at least 1" });
const port = z.number().int().min(1, { message: "is not a valid port (1-65535)" }).max(65535, { message: "is not a valid port (1-65535)" });
const percentage = z.number().int().min(0, { message: "must be between 0 and 100" }).max(100, { message: "must be between 0 and 100" });

const resourceAmounts = z.object({ cpu: quantity, memory: quantity }).strict();

const resources = z
  .object({ requests: resourceAmounts, limits: resourceAmounts })
  .strict()
  .superRefine((value, ctx) => {
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
  });

const probe = z
  .object({
    path: z.string().startsWith("/", { message: 'is not an HTTP path (it must start with "/")' }),
    initialDelaySeconds: z.number().int().min(0, { message: "must be 0 or more" }),
    periodSeconds: positiveInt,
    timeoutSeconds: positiveInt,
    failureThreshold: positiveInt,
  })
  .strict();

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
        file: z.string().min(1, { message: "is an empty file path" }).optional(),
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
    host: dns1123Subdomain,
    path: z.string().startsWith("/", { message: 'is not an HTTP path (it must start with "/")' }),
    className: z.string().min(1),
    tlsSecretName: dns1123Label.optional(),
  })
  .strict();

const autoscaling = z
  .object({
    enabled: z.boolean(),
    minReplicas: positiveInt,
    maxReplicas: positiveInt,
    targetCPUUtilizationPercentage: z.number().int().min(1, { message: "must be between 1 and 100" }).max(100, { message: "must be between 1 and 100" }),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.maxReplicas < value.minReplicas) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["maxReplicas"], message: `is below minReplicas (${value.minReplicas})` });
    }
  });

const disruptionBudget = z
  .object({ enabled: z.boolean(), minAvailable: z.number().int().min(0, { message: "must be 0 or more" }) })
  .strict();

const grayRelease = z
  .object({ canaryWeight: percentage, canaryTag: z.string().min(1).optional() })
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

const image = z.object({ repository: z.string().min(1), tag: z.string().min(1) }).strict();

export const serviceSchema = z
  .object({
    name: dns1123Label,
    image,
    port,
    replicas: positiveInt,
    resources,
    probes: z.object({ liveness: probe, readiness: probe, startup: probe }).strict(),
    config: z.record(envVarName, z.union([z.string(), z.number(), z.boolean()]).transform(String)),
    secrets: z.array(secretReference),
    ingress: ingress.optional(),
    autoscaling,
    disruptionBudget,
    grayRelease,
  })
  .strict();

const backend = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local"), path: z.string().min(1).optional() }).strict(),
  z.object({ kind: z.literal("s3"), bucket: z.string().min(1), key: z.string().min(1), region: z.string().min(1) }).strict(),
  z.object({ kind: z.literal("http"), address: z.string().url() }).strict(),
]);

export const environmentSchema = z
  .object({
    project: dns1123Label,
    namespace: dns1123Label,
    protected: z.boolean(),
    labels: z.record(
      z.string().regex(LABEL_KEY, { message: "is not a valid label key" }),
      z.string().max(63).regex(LABEL_VALUE, { message: "is not a valid label value" }),
    ),
    quota: z.object({ requests: resourceAmounts, limits: resourceAmounts, pods: positiveInt }).strict(),
    defaultContainerLimits: resources,
    ingressController: z.object({ namespace: dns1123Label }).strict(),
    target: z
      .object({
        platform: z.enum(["kubernetes", "docker"]),
        kubernetes: z.object({ configPath: z.string().min(1), context: z.string().min(1) }).strict(),
        docker: z.object({ host: z.string().min(1), ingressPort: port }).strict(),
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
