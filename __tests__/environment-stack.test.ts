// The three real stacks: a snapshot each, plus assertions that pin what the snapshot alone would not.
import { Environment } from "../settings";
import { realSpecs, resourcesOfType, synthStack } from "./_helpers";

const specs = realSpecs();
const spec = (name: string): Environment => specs.find((candidate) => candidate.name === name) as Environment;

describe("EnvironmentStack (kubernetes)", () => {
  test.each(["dev", "staging", "prod"])("%s matches its snapshot", (name) => {
    expect(synthStack(spec(name))).toMatchSnapshot();
  });

  test("each stack keeps its own state, per platform", () => {
    const backends = specs.map((s) => JSON.stringify(synthStack(s).terraform.backend));
    expect(new Set(backends).size).toBe(specs.length);
    expect(synthStack(spec("staging")).terraform.backend).toEqual({ local: { path: "../../../.state/staging.kubernetes.tfstate" } });
  });

  test("the provider comes from the environment's target settings", () => {
    expect(synthStack(spec("staging")).provider?.kubernetes).toEqual([{ config_context: "kind-envapi", config_path: "~/.kube/config" }]);
  });

  test("prod is protected unless destroy is explicitly allowed", () => {
    // GIVEN prod  WHEN synthesized normally  THEN its namespace cannot be destroyed
    const [namespace] = resourcesOfType(synthStack(spec("prod")), "kubernetes_namespace_v1");
    expect(namespace.lifecycle).toEqual({ prevent_destroy: true });
    // WHEN the override is given  THEN it can
    const [unlocked] = resourcesOfType(synthStack(spec("prod"), { allowDestroy: true }), "kubernetes_namespace_v1");
    expect(unlocked.lifecycle).toEqual({ prevent_destroy: false });
    // AND staging is never protected
    expect(resourcesOfType(synthStack(spec("staging")), "kubernetes_namespace_v1")[0].lifecycle).toEqual({ prevent_destroy: false });
  });

  test("prod runs 3 replicas with a disruption budget of 2 and TLS", () => {
    const json = synthStack(spec("prod"));
    expect(resourcesOfType(json, "kubernetes_deployment_v1")[0].spec.replicas).toBe("3");
    expect(resourcesOfType(json, "kubernetes_pod_disruption_budget_v1")[0].spec.min_available).toBe("2");
    expect(resourcesOfType(json, "kubernetes_ingress_v1")[0].spec.tls[0].secret_name).toBe("api-prod-tls");
  });

  test("the app learns its environment and which secrets it has, not their values", () => {
    const [configMap] = resourcesOfType(synthStack(spec("staging")), "kubernetes_config_map_v1");
    expect(configMap.data).toMatchObject({ APP_ENV: "staging", GREETING: "hello from staging", SECRET_NAMES: "DB_PASSWORD" });
    const [secret] = resourcesOfType(synthStack(spec("staging")), "kubernetes_secret_v1");
    expect(secret.data).toEqual({ DB_PASSWORD: "${var.api_db_password}" });
    expect(synthStack(spec("staging")).variable?.api_db_password).toMatchObject({ sensitive: true, type: "string" });
  });

  test.each([
    [0, "2", undefined],
    [5, "1", "1"],
    [25, "1", "1"],
    [100, undefined, "2"],
  ])("gray release step %i%% in staging shows the replica split", (weight, stable, canary) => {
    // GIVEN staging (2 replicas, canary tag 0.2.0) at a canary weight
    const base = spec("staging");
    const stepped: Environment = {
      ...base,
      services: base.services.map((s) => ({ ...s, grayRelease: { ...s.grayRelease, canaryWeight: weight } })),
    };
    // THEN the stable and canary Deployments carry the split
    const byName = Object.fromEntries(resourcesOfType(synthStack(stepped), "kubernetes_deployment_v1").map((d) => [d.metadata.name, d]));
    expect(byName.api?.spec.replicas).toBe(stable);
    expect(byName["api-canary"]?.spec.replicas).toBe(canary);
    expect((byName.api ?? byName["api-canary"]).metadata.annotations["gray-release/weight"]).toBe(String(weight));
  });
});
