// Lets a metrics scraper (Prometheus) reach one workload's pods on their HTTP port, and nothing else: a NetworkPolicy
// beside IsolatedNamespace's default deny, from one source (an IP block, or the pods of one namespace). NetworkPolicies
// are layer 4: the port is the app's one HTTP port, so the scraper could ask it for more than /metrics.
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Construct } from "constructs";
import { isCidr } from "../../model/cidr";
import { IsolatedNamespace } from "./isolated-namespace";
import { Protocol } from "./egress-rule";

/** Where the scraper connects from. */
export type ScraperSource = { readonly cidr: string } | { readonly namespace: string };

export interface ScraperAccessProps {
  /** The workload's namespace. */
  readonly namespace: IsolatedNamespace;
  /** The workload's name (the policy is `allow-metrics-scraper-<name>`). */
  readonly name: string;
  /** Labels selecting the workload's pods (both tracks). */
  readonly podSelector: Readonly<Record<string, string>>;
  /** The pods' HTTP port, where /metrics answers. */
  readonly port: number;
  /** The scraper's source. */
  readonly source: ScraperSource;
  /** Refuse `destroy` (a protected environment). @default false */
  readonly preventDestroy?: boolean;
}

export class ScraperAccess extends Construct {
  readonly policy: NetworkPolicyV1;

  constructor(scope: Construct, id: string, props: ScraperAccessProps) {
    super(scope, id);
    if ("cidr" in props.source && !isCidr(props.source.cidr)) throw new Error(`${props.name}: scraper CIDR "${props.source.cidr}" is not an IPv4 or IPv6 block`);
    const from = "cidr" in props.source ? { ipBlock: { cidr: props.source.cidr } } : { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": props.source.namespace } } };
    this.policy = new NetworkPolicyV1(this, "policy", {
      metadata: { name: `allow-metrics-scraper-${props.name}`, namespace: props.namespace.namespace.metadata.name, labels: { ...props.namespace.labels } },
      spec: {
        podSelector: { matchLabels: { ...props.podSelector } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [from], ports: [{ port: String(props.port), protocol: Protocol.TCP }] }],
      },
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
  }
}
