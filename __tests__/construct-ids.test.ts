// Construct ids are a contract: they become Terraform addresses, and renaming one destroys and recreates the
// resource it names (a namespace, with everything in it). These are staging's addresses on both platforms; a
// refactor that changes one must keep the old address (`moveTo`) or say in its pull request why it may not.
import { Environment } from "../settings";
import { realSpecs, resourcesOf, synthStack } from "./_helpers";

const staging = realSpecs().find((spec) => spec.name === "staging") as Environment;
const addresses = (platform: "kubernetes" | "docker") => resourcesOf(synthStack(staging, { platform })).map(([, address]) => address).sort();

describe("construct ids (Terraform addresses)", () => {
  test("Kubernetes: staging's addresses are unchanged", () => {
    expect(addresses("kubernetes")).toEqual([
      "kubernetes_config_map_v1.kubernetes-environment_api_config_D58F8273",
      "kubernetes_deployment_v1.kubernetes-environment_api_canary_45BFE7EB",
      "kubernetes_deployment_v1.kubernetes-environment_api_deployment_487B27D3",
      "kubernetes_horizontal_pod_autoscaler_v2.kubernetes-environment_api_autoscaler_37587C4A",
      "kubernetes_limit_range_v1.kubernetes-environment_namespace_limits_C18B4462",
      "kubernetes_manifest.kubernetes-environment_api_route_manifest_EA1BE552",
      "kubernetes_namespace_v1.kubernetes-environment_namespace_6CEFBAB8",
      "kubernetes_network_policy_v1.kubernetes-environment_namespace_network-policies_allow-dns_550ACB0F",
      "kubernetes_network_policy_v1.kubernetes-environment_namespace_network-policies_allow-ingress-controller-egress_134060B7",
      "kubernetes_network_policy_v1.kubernetes-environment_namespace_network-policies_allow-ingress-controller_376453C8",
      "kubernetes_network_policy_v1.kubernetes-environment_namespace_network-policies_allow-same-namespace-egress_DFEB1F0E",
      "kubernetes_network_policy_v1.kubernetes-environment_namespace_network-policies_allow-same-namespace_B909F6A2",
      "kubernetes_network_policy_v1.kubernetes-environment_namespace_network-policies_deny-all-egress_D7FE5090",
      "kubernetes_network_policy_v1.kubernetes-environment_namespace_network-policies_deny-all-ingress_0820D2E0",
      "kubernetes_pod_disruption_budget_v1.kubernetes-environment_api_disruption-budget_584204B7",
      "kubernetes_resource_quota_v1.kubernetes-environment_namespace_quota_55C998DE",
      "kubernetes_secret_v1.kubernetes-environment_api_secret_EEAF12A6",
      "kubernetes_service_v1.kubernetes-environment_api_canary-service_FAE6BA0C",
      "kubernetes_service_v1.kubernetes-environment_api_service_3094D28F",
    ]);
  });

  test("Kubernetes behind an ingress controller alone: the Ingress keeps its address", () => {
    const ingressRouted: Environment = { ...staging, ingressController: { ...staging.ingressController, routing: "ingress" } };
    const addresses = resourcesOf(synthStack(ingressRouted, { platform: "kubernetes" })).map(([, address]) => address);
    expect(addresses).toContain("kubernetes_ingress_v1.kubernetes-environment_api_ingress_150B60BB");
    expect(addresses.filter((address) => address.startsWith("kubernetes_manifest."))).toEqual([]);
  });

  test("Docker: staging's addresses are unchanged", () => {
    expect(addresses("docker")).toEqual([
      "docker_container.docker-environment_api_secrets_loader_0C70E306",
      "docker_container.docker-environment_api_stable-1_container_82C97381",
      "docker_container.docker-environment_api_stable-2_container_64D6084A",
      "docker_container.docker-environment_ingress_config_loader_EAEF331A",
      "docker_container.docker-environment_ingress_proxy_container_6E79F23D",
      "docker_image.docker-environment_api-image_326B1B41",
      "docker_image.docker-environment_ingress_image_74930BA4",
      "docker_network.docker-environment_ingress_edge_network_4F4CE465",
      "docker_network.docker-environment_network_F0DCE863",
      "docker_volume.docker-environment_api_secrets_volume_CF388D47",
      "docker_volume.docker-environment_ingress_config_volume_A6603C4B",
    ]);
  });
});
