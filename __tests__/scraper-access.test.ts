import { ScraperAccess } from "../constructs/kubernetes";
import { all, synthInNamespace } from "./_kubernetes-scope";

describe("ScraperAccess", () => {
  test("admits the scraper's IP block to the workload's HTTP port, and nothing else", () => {
    // GIVEN a scraper on the node's bridge address
    const json = synthInNamespace((scope, namespace) => new ScraperAccess(scope, "scraper", { namespace, name: "api", podSelector: { "app.kubernetes.io/name": "api" }, port: 8080, source: { cidr: "10.244.0.1/32" } }));
    // THEN one ingress policy selects the workload's pods, from that block, on that port only
    const [policy] = all(json, "kubernetes_network_policy_v1").filter((candidate) => candidate.metadata.name.startsWith("allow-metrics-scraper"));
    expect(policy.metadata.name).toBe("allow-metrics-scraper-api");
    expect(policy.spec).toEqual({
      pod_selector: { match_labels: { "app.kubernetes.io/name": "api" } },
      policy_types: ["Ingress"],
      ingress: [{ from: [{ ip_block: { cidr: "10.244.0.1/32" } }], ports: [{ port: "8080", protocol: "TCP" }] }],
    });
  });

  test("or the pods of one namespace (an in-cluster Prometheus); a malformed block is refused", () => {
    const json = synthInNamespace((scope, namespace) => new ScraperAccess(scope, "scraper", { namespace, name: "api", podSelector: { "app.kubernetes.io/name": "api" }, port: 8080, source: { namespace: "monitoring" }, preventDestroy: true }));
    const [policy] = all(json, "kubernetes_network_policy_v1").filter((candidate) => candidate.metadata.name.startsWith("allow-metrics-scraper"));
    expect(policy.spec.ingress[0].from).toEqual([{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
    expect(policy.lifecycle).toEqual({ prevent_destroy: true });
    expect(() => synthInNamespace((scope, namespace) => new ScraperAccess(scope, "scraper", { namespace, name: "api", podSelector: {}, port: 8080, source: { cidr: "10.244.0.1" } }))).toThrow('api: scraper CIDR "10.244.0.1" is not an IPv4 or IPv6 block');
  });
});
