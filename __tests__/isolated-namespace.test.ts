import { Testing } from "cdktf";
import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { EgressRule, IsolatedNamespace, IsolatedNamespaceProps } from "../constructs/kubernetes";

const props: IsolatedNamespaceProps = {
  name: "team-a",
  labels: { environment: "test" },
  quota: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" }, pods: 5 },
  defaultContainerLimits: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
};

const synth = (overrides: Partial<IsolatedNamespaceProps> = {}) =>
  Testing.synthScope((scope) => {
    new IsolatedNamespace(scope, "ns", { ...props, ...overrides });
  });

describe("IsolatedNamespace", () => {
  test("enforces the restricted Pod Security level", () => {
    // GIVEN an isolated namespace  WHEN synthesized
    const json = synth();
    // THEN the namespace carries the restricted enforce/audit/warn labels beside its own
    expect(json).toHaveResourceWithProperties(NamespaceV1, {
      metadata: {
        name: "team-a",
        labels: {
          environment: "test",
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    });
  });

  test("has a quota and container defaults", () => {
    const json = synth();
    expect(json).toHaveResourceWithProperties(ResourceQuotaV1, {
      spec: { hard: { "requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2", "limits.memory": "2Gi", pods: "5" } },
    });
    expect(json).toHaveResourceWithProperties(LimitRangeV1, {
      spec: { limit: [{ type: "Container", default: { cpu: "100m", memory: "64Mi" }, default_request: { cpu: "10m", memory: "16Mi" } }] },
    });
  });

  test("denies ingress except from the namespace itself and the ingress controller", () => {
    // GIVEN an ingress controller in "traefik"
    const json = JSON.parse(synth({ ingressControllerNamespace: "traefik" }));
    // THEN three policies deal with ingress: deny all, allow same namespace, allow the controller's namespace
    const policies = Object.values(json.resource.kubernetes_network_policy_v1 as Record<string, any>).filter((p) => p.spec.policy_types[0] === "Ingress");
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(["allow-ingress-controller", "allow-same-namespace", "deny-all-ingress"]);
    const deny = policies.find((p) => p.metadata.name === "deny-all-ingress");
    expect(deny.spec).toEqual({ pod_selector: {}, policy_types: ["Ingress"] });
    const controller = policies.find((p) => p.metadata.name === "allow-ingress-controller");
    expect(controller.spec.ingress[0].from[0].namespace_selector.match_labels).toEqual({ "kubernetes.io/metadata.name": "traefik" });
  });

  test("protects every namespace-level resource when asked", () => {
    // GIVEN preventDestroy  WHEN synthesized  THEN every resource has prevent_destroy
    const json = JSON.parse(synth({ preventDestroy: true }));
    const all = Object.values(json.resource as Record<string, Record<string, any>>).flatMap((byName) => Object.values(byName));
    expect(all).toHaveLength(10);
    expect(all.every((resource) => resource.lifecycle?.prevent_destroy === true)).toBe(true);
  });
});

describe("IsolatedNamespace egress", () => {
  const egressPolicies = (overrides: Partial<IsolatedNamespaceProps> = {}) =>
    Object.values(JSON.parse(synth(overrides)).resource.kubernetes_network_policy_v1 as Record<string, any>).filter((p) => p.spec.policy_types[0] === "Egress");
  const named = (policies: any[], name: string) => policies.find((p) => p.metadata.name === name);

  test("denies all egress except cluster DNS, the namespace itself and the ingress controller", () => {
    // GIVEN an ingress controller in "traefik" and no allow-list  WHEN synthesized
    const policies = egressPolicies({ ingressControllerNamespace: "traefik" });
    // THEN four egress policies, none of them open to anything else
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(["allow-dns", "allow-ingress-controller-egress", "allow-same-namespace-egress", "deny-all-egress"]);
    expect(named(policies, "deny-all-egress").spec).toEqual({ pod_selector: {}, policy_types: ["Egress"] });
    expect(named(policies, "allow-same-namespace-egress").spec.egress).toEqual([{ to: [{ pod_selector: {} }] }]);
    // (to the traffic entry's web port only: its metrics and API ports name every environment's routes)
    expect(named(policies, "allow-ingress-controller-egress").spec.egress).toEqual([{ to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "traefik" } } }], ports: [{ port: "8000", protocol: "TCP" }] }]);
  });

  test("DNS is kube-system's kube-dns pods on port 53, UDP and TCP, and nothing else", () => {
    const dns = named(egressPolicies(), "allow-dns");
    expect(dns.spec.egress).toEqual([
      {
        to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "kube-system" } }, pod_selector: { match_labels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { port: "53", protocol: "UDP" },
          { port: "53", protocol: "TCP" },
        ],
      },
    ]);
  });

  test("a cluster whose DNS runs elsewhere names it", () => {
    const dns = named(egressPolicies({ clusterDns: { namespace: "dns", podLabels: { app: "coredns" } } }), "allow-dns");
    expect(dns.spec.egress[0].to).toEqual([{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "dns" } }, pod_selector: { match_labels: { app: "coredns" } } }]);
  });

  test("the allow-list becomes one policy, a rule per destination", () => {
    // GIVEN a database network on 5432 and every port of a namespace
    const policies = egressPolicies({ egress: [EgressRule.toCidr("10.20.0.0/16", [EgressRule.tcp(5432)]), EgressRule.toNamespace("monitoring")] });
    // THEN
    expect(named(policies, "allow-egress").spec).toEqual({
      pod_selector: {},
      policy_types: ["Egress"],
      egress: [
        { to: [{ ip_block: { cidr: "10.20.0.0/16" } }], ports: [{ port: "5432", protocol: "TCP" }] },
        { to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "monitoring" } } }] },
      ],
    });
  });
});
