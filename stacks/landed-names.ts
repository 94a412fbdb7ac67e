// Every name the synthesized stacks give what they create, as the receiving system will see it: checked against that
// system's rules for the field (one table, LIMITS) and against every other name on the same target (one owner per
// name), on the Terraform JSON itself, so a name a construct derives (a service's "-canary" track, an environment's
// "-edge" network) is checked exactly as Terraform would send it. Images are left out: environments share them.
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue } from "../settings/grammar";
import { bounded, firstFew } from "../settings/shown-value";

/** What one stack's synthesized JSON holds, and where its objects land. */
export interface SynthesizedStack {
  /** The environment. */
  readonly name: string;
  /** Its namespace (Kubernetes objects name it by a reference to the namespace resource). */
  readonly namespace: string;
  /** The target the names live on: the cluster (kubeconfig and context) or the Docker host. */
  readonly target: string;
  /** cdk.tf.json, parsed. */
  readonly json: { readonly resource?: Readonly<Record<string, Readonly<Record<string, unknown>>>> };
}

/** A name as it lands: on which target, in which scope (a namespace, or the target), of which kind. */
interface LandedName {
  readonly scope: string;
  readonly kind: string;
  readonly name: string;
  /** "<environment>: <resource address>". */
  readonly owner: string;
}

type Check = (value: string) => string | undefined;

/** The rules of each receiving field: Kubernetes' validation of object names, Docker's of its names. */
export const LIMITS: Readonly<Record<string, Check>> = {
  "kubernetes Namespace": (value) => dns1123Label(value),
  "kubernetes Service": (value) => dns1035Label(value),
  "kubernetes object": (value) => dns1123Subdomain(value),
  "kubernetes label value": (value) => labelValue(value),
  "docker name": (value) =>
    /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(value) && value.length <= 253 ? undefined : `is not a Docker name (letters, digits, "_", "." and "-", starting with a letter or digit, at most 253 characters)`,
};

const KUBERNETES_KINDS: Readonly<Record<string, string>> = {
  kubernetes_namespace_v1: "Namespace",
  kubernetes_deployment_v1: "Deployment",
  kubernetes_service_v1: "Service",
  kubernetes_config_map_v1: "ConfigMap",
  kubernetes_secret_v1: "Secret",
  kubernetes_network_policy_v1: "NetworkPolicy",
  kubernetes_horizontal_pod_autoscaler_v2: "HorizontalPodAutoscaler",
  kubernetes_pod_disruption_budget_v1: "PodDisruptionBudget",
  kubernetes_resource_quota_v1: "ResourceQuota",
  kubernetes_limit_range_v1: "LimitRange",
  kubernetes_ingress_v1: "Ingress",
};
const DOCKER_KINDS: Readonly<Record<string, string>> = { docker_container: "container", docker_network: "network", docker_volume: "volume" };

interface Metadata {
  readonly name?: unknown;
  readonly labels?: Readonly<Record<string, unknown>>;
}

/** The names of one stack, and the problems of their form. */
function namesOf(stack: SynthesizedStack, problems: string[]): LandedName[] {
  const names: LandedName[] = [];
  const check = (limit: string, value: string, what: string) => {
    const problem = LIMITS[limit](value);
    if (problem !== undefined) problems.push(`${stack.name}: ${what} "${bounded(value)}" ${problem}`);
  };
  for (const [type, resources] of Object.entries(stack.json.resource ?? {})) {
    for (const [id, resource] of Object.entries(resources)) {
      const owner = `${stack.name}: ${type}.${id}`;
      const config = resource as { metadata?: Metadata; manifest?: { kind?: unknown; metadata?: Metadata }; name?: unknown };
      const kind = KUBERNETES_KINDS[type] ?? (type === "kubernetes_manifest" && typeof config.manifest?.kind === "string" ? config.manifest.kind : undefined);
      if (kind !== undefined) {
        const metadata = config.metadata ?? config.manifest?.metadata ?? {};
        if (typeof metadata.name !== "string" || metadata.name.includes("${")) continue;
        const scope = kind === "Namespace" ? stack.target : `${stack.target} namespace ${stack.namespace}`;
        check(kind === "Namespace" ? "kubernetes Namespace" : kind === "Service" ? "kubernetes Service" : "kubernetes object", metadata.name, `${kind} name`);
        for (const [key, value] of Object.entries(metadata.labels ?? {})) {
          if (typeof value === "string" && !value.includes("${")) check("kubernetes label value", value, `${kind} ${metadata.name}: label ${key}`);
        }
        names.push({ scope, kind, name: metadata.name, owner });
        continue;
      }
      const dockerKind = DOCKER_KINDS[type];
      if (dockerKind !== undefined && typeof config.name === "string" && !config.name.includes("${")) {
        check("docker name", config.name, `Docker ${dockerKind} name`);
        names.push({ scope: stack.target, kind: `Docker ${dockerKind}`, name: config.name, owner });
      }
    }
  }
  return names;
}

/**
 * Problems of the names the stacks create: a name the receiving system refuses, and two objects of one kind with
 * one name on one target (in one namespace), both owners named. Empty when every name is fine.
 */
export function landedNameProblems(stacks: readonly SynthesizedStack[]): string[] {
  const problems: string[] = [];
  const owners = new Map<string, LandedName[]>();
  for (const stack of stacks) {
    for (const landed of namesOf(stack, problems)) {
      const key = `${landed.scope}\u0000${landed.kind}\u0000${landed.name}`;
      owners.set(key, [...(owners.get(key) ?? []), landed]);
    }
  }
  for (const same of owners.values()) {
    if (same.length < 2) continue;
    const [{ kind, name, scope }] = same;
    const environments = [...new Set(same.map((landed) => landed.owner.slice(0, landed.owner.indexOf(":"))))].join(", ");
    problems.push(`${environments}: ${same.length} objects would be ${kind} "${bounded(name)}" on ${bounded(scope)} (${firstFew(same.map((landed) => landed.owner), 3)}); rename a service or an environment's namespace so each name has one owner`);
  }
  return problems;
}
