// A namespace for one environment, isolated by default: Pod Security "restricted", a quota, container
// defaults, and network policies that let in only the namespace itself and the ingress controller, and let out
// only to cluster DNS, the namespace itself, the ingress controller and the destinations named in `egress`.
import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ResourceAmounts } from "../../model/resource-amounts";
import { DEFAULT_TRAFFIC_ENTRY } from "../../model/service-defaults";
import { EgressRule, Protocol } from "./egress-rule";

/** Requests and limits of a container (or a namespace's defaults for them). */
export interface ContainerResources {
  /** What the scheduler reserves. */
  readonly requests: ResourceAmounts;
  /** The most the container may use. */
  readonly limits: ResourceAmounts;
}

/** Hard limits of the namespace's ResourceQuota. */
export interface NamespaceQuota {
  /** Sum of all requests in the namespace. */
  readonly requests: ResourceAmounts;
  /** Sum of all limits in the namespace. */
  readonly limits: ResourceAmounts;
  /** Number of pods. */
  readonly pods: number;
}

export interface IsolatedNamespaceProps {
  /** Namespace name (DNS-1123 label). */
  readonly name: string;
  /** Labels on the namespace; Pod Security labels are added and cannot be overridden. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** ResourceQuota of the namespace. */
  readonly quota: NamespaceQuota;
  /** LimitRange defaults for containers that set no requests or limits. */
  readonly defaultContainerLimits: ContainerResources;
  /** Namespace of the ingress controller, the only other namespace allowed to reach pods. @default "traefik" (DEFAULT_TRAFFIC_ENTRY) */
  readonly ingressControllerNamespace?: string;
  /** The ingress controller's pods' port that serves routed requests: the only one of its namespace pods may call. @default 8000 (DEFAULT_TRAFFIC_ENTRY) */
  readonly ingressControllerWebPort?: number;
  /** Refuse to destroy the namespace-level resources (Terraform `prevent_destroy`). @default false */
  readonly preventDestroy?: boolean;
  /**
   * Where pods may open connections besides cluster DNS, the namespace itself and the ingress controller; all other
   * egress is denied. @default [] - nowhere else
   */
  readonly egress?: readonly EgressRule[];
  /** The cluster's DNS pods, which every pod may reach on port 53 (UDP and TCP). @default - kube-system's pods labelled k8s-app=kube-dns */
  readonly clusterDns?: ClusterDns;
}

/** Where the cluster's DNS server pods run. */
export interface ClusterDns {
  /** Their namespace. */
  readonly namespace: string;
  /** Labels selecting them. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** CoreDNS as kind, kubeadm and this project's local clusters run it. */
export const KUBE_DNS: ClusterDns = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };

/** Pod Security Standards level enforced (and audited, warned) on the namespace. */
export const POD_SECURITY_LEVEL = "restricted";

export class IsolatedNamespace extends Construct {
  /** The namespace resource; pass this construct, not its name, to what lives in it. */
  readonly namespace: NamespaceV1;
  /** The namespace name. */
  readonly name: string;
  /** Labels every object in the namespace carries. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * What must be in place before a pod runs in the namespace: its quota, container defaults and network policies.
   * Workloads depend on them, so no pod ever runs unisolated, not even during the first apply.
   */
  readonly guards: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: IsolatedNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    this.labels = { ...(props.labels ?? {}) };
    const lifecycle = { preventDestroy: props.preventDestroy ?? false };
    const metadata = { name: props.name, namespace: props.name, labels: this.labels };

    this.namespace = new NamespaceV1(this, "namespace", {
      metadata: {
        name: props.name,
        labels: {
          ...this.labels,
          "pod-security.kubernetes.io/enforce": POD_SECURITY_LEVEL,
          "pod-security.kubernetes.io/audit": POD_SECURITY_LEVEL,
          "pod-security.kubernetes.io/warn": POD_SECURITY_LEVEL,
        },
      },
      lifecycle,
    });
    // Everything below references the namespace resource, so Terraform creates it first.
    const inNamespace = (name: string) => ({ ...metadata, name, namespace: this.namespace.metadata.name });

    this.guard(new ResourceQuotaV1(this, "quota", {
      metadata: inNamespace("quota"),
      spec: {
        hard: {
          "requests.cpu": props.quota.requests.cpu,
          "requests.memory": props.quota.requests.memory,
          "limits.cpu": props.quota.limits.cpu,
          "limits.memory": props.quota.limits.memory,
          pods: String(props.quota.pods),
        },
      },
      lifecycle,
    }));

    this.guard(new LimitRangeV1(this, "limits", {
      metadata: inNamespace("container-defaults"),
      spec: {
        limit: [
          {
            type: "Container",
            defaultRequest: { cpu: props.defaultContainerLimits.requests.cpu, memory: props.defaultContainerLimits.requests.memory },
            default: { cpu: props.defaultContainerLimits.limits.cpu, memory: props.defaultContainerLimits.limits.memory },
          },
        ],
      },
      lifecycle,
    }));

    const policies = new Construct(this, "network-policies");
    this.guard(new NetworkPolicyV1(policies, "deny-all-ingress", {
      metadata: inNamespace("deny-all-ingress"),
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
      lifecycle,
    }));
    this.guard(new NetworkPolicyV1(policies, "allow-same-namespace", {
      metadata: inNamespace("allow-same-namespace"),
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
      lifecycle,
    }));
    const ingressController = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": props.ingressControllerNamespace ?? DEFAULT_TRAFFIC_ENTRY.namespace } } };
    this.guard(new NetworkPolicyV1(policies, "allow-ingress-controller", {
      metadata: inNamespace("allow-ingress-controller"),
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [ingressController] }] },
      lifecycle,
    }));

    // Egress: denied by default (a compromised pod reaches nothing it was not meant to), then allowed where pods
    // must go. Replies to allowed incoming connections are not egress, so serving needs no rule here.
    this.guard(new NetworkPolicyV1(policies, "deny-all-egress", {
      metadata: inNamespace("deny-all-egress"),
      spec: { podSelector: {}, policyTypes: ["Egress"] },
      lifecycle,
    }));
    const dns = props.clusterDns ?? KUBE_DNS;
    this.guard(new NetworkPolicyV1(policies, "allow-dns", {
      metadata: inNamespace("allow-dns"),
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": dns.namespace } }, podSelector: { matchLabels: { ...dns.podLabels } } }],
            ports: [
              { port: "53", protocol: Protocol.UDP },
              { port: "53", protocol: Protocol.TCP },
            ],
          },
        ],
      },
      lifecycle,
    }));
    this.guard(new NetworkPolicyV1(policies, "allow-same-namespace-egress", {
      metadata: inNamespace("allow-same-namespace-egress"),
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] },
      lifecycle,
    }));
    // A service's public host goes through the traffic entry, so pods may call each other's environments that way:
    // on its web port only (its metrics and API ports name every route of every environment).
    const webPort = props.ingressControllerWebPort ?? DEFAULT_TRAFFIC_ENTRY.webPort;
    this.guard(new NetworkPolicyV1(policies, "allow-ingress-controller-egress", {
      metadata: inNamespace("allow-ingress-controller-egress"),
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [ingressController], ports: [{ port: String(webPort), protocol: Protocol.TCP }] }] },
      lifecycle,
    }));
    const allowed = props.egress ?? [];
    if (allowed.length > 0) {
      this.guard(new NetworkPolicyV1(policies, "allow-egress", {
        metadata: inNamespace("allow-egress"),
        spec: { podSelector: {}, policyTypes: ["Egress"], egress: allowed.map((rule) => rule.render()) },
        lifecycle,
      }));
    }
  }

  private guard<T extends ITerraformDependable>(resource: T): T {
    this.guards.push(resource);
    return resource;
  }
}
