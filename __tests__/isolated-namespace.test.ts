import { Testing } from "cdktf";
import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { IsolatedNamespace, IsolatedNamespaceProps } from "../constructs/kubernetes";

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
    // THEN there are exactly three policies: deny all, allow same namespace, allow the controller's namespace
    const policies = Object.values(json.resource.kubernetes_network_policy_v1 as Record<string, any>);
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
    expect(all).toHaveLength(6);
    expect(all.every((resource) => resource.lifecycle?.prevent_destroy === true)).toBe(true);
  });
});
