// The misbehaviour switch (model/app-contract.ts): settings only, per track, off by default, refused in a protected
// environment; each target passes it to the right track as environment variables, and the app is told it is protected.
import { misbehaviourEnvironment } from "../model/app-contract";
import { loadEnvironments, validateEnvironments } from "../settings";
import { patchedSettings, problemsWith, resourcesOfType, synthStack, TerraformJson } from "./_helpers";

const api = (patch: Record<string, unknown>) => ({ services: [{ name: "api", ...patch }] });

/** Staging (or `name`) with `patch` on its api service, validated for `platform`. */
function specWith(patch: Record<string, unknown>, platform: "kubernetes" | "docker", name = "staging") {
  const specs = validateEnvironments(patchedSettings({ [name]: api(patch) }), { platform });
  return specs.find((spec) => spec.name === name) as (typeof specs)[number];
}

/** Docker containers by name → their environment as a map. */
function dockerEnv(json: TerraformJson): Map<string, Record<string, string>> {
  return new Map(
    resourcesOfType(json, "docker_container")
      .filter((container) => Array.isArray(container.env))
      .map((container) => [container.name as string, Object.fromEntries((container.env as string[]).map((entry) => entry.split(/=(.*)/s).slice(0, 2)))]),
  );
}

/** Kubernetes Deployments by name → the main container's own `env` as a map. */
function deploymentEnv(json: TerraformJson): Map<string, Record<string, string>> {
  return new Map(
    resourcesOfType(json, "kubernetes_deployment_v1").map((deployment) => {
      const container = deployment.spec.template.spec.container[0];
      return [deployment.metadata.name as string, Object.fromEntries(((container.env ?? []) as Array<{ name: string; value: string }>).map((item) => [item.name, item.value]))];
    }),
  );
}

const badCanary = { grayRelease: { canaryWeight: 50, canaryTag: "0.2.0", canaryConfig: { GREETING: "hello from the canary" }, canaryMisbehave: { errorPercent: 40, slowPercent: 10, slowMilliseconds: 300 } } };

describe("misbehaviour", () => {
  test("off by default: the shipped settings switch nothing on and no track gets a MISBEHAVE_ variable", () => {
    // GIVEN the shipped settings  WHEN synthesized for both targets  THEN no MISBEHAVE_ variable anywhere
    for (const platform of ["kubernetes", "docker"] as const) {
      for (const spec of loadEnvironments(undefined, { platform })) {
        expect(spec.services[0].misbehave).toBeUndefined();
        expect(spec.services[0].grayRelease.canaryMisbehave).toBeUndefined();
        expect(JSON.stringify(synthStack(spec, { platform }))).not.toContain("MISBEHAVE_");
      }
    }
  });

  test("variables: only what is switched on, the delay only with a slow share", () => {
    expect(misbehaviourEnvironment(undefined)).toEqual({});
    expect(misbehaviourEnvironment({ failReadiness: false, errorPercent: 0, slowPercent: 0, slowMilliseconds: 1000 })).toEqual({});
    expect(misbehaviourEnvironment({ failReadiness: true, failLiveness: true, errorPercent: 5, slowMilliseconds: 1000 })).toEqual({
      MISBEHAVE_READYZ: "fail",
      MISBEHAVE_LIVEZ: "fail",
      MISBEHAVE_ERROR_PERCENT: "5",
    });
    expect(misbehaviourEnvironment({ slowPercent: 20, slowMilliseconds: 250 })).toEqual({ MISBEHAVE_SLOW_PERCENT: "20", MISBEHAVE_SLOW_MS: "250" });
  });

  test.each<[string, Record<string, Record<string, unknown>>, string]>([
    ["misbehave in a protected environment", { prod: api({ misbehave: { errorPercent: 50 } }) }, "prod: services.api.misbehave (MISBEHAVE_ERROR_PERCENT=50) is refused in a protected environment, and the app refuses it too"],
    ["canary misbehave in a protected environment", { prod: api({ grayRelease: { canaryTag: "0.2.0", canaryMisbehave: { failReadiness: true } } }) }, "prod: services.api.grayRelease.canaryMisbehave (MISBEHAVE_READYZ=fail) is refused in a protected environment"],
    ["error share above 100", { staging: api({ misbehave: { errorPercent: 101 } }) }, "staging: services.api.misbehave.errorPercent 101 is not a whole percentage from 0 to 100"],
    ["delay of 0 ms", { staging: api({ misbehave: { slowPercent: 5, slowMilliseconds: 0 } }) }, "staging: services.api.misbehave.slowMilliseconds 0 is not a whole number of milliseconds from 1 to 60000"],
    ["unknown switch", { staging: api({ misbehave: { failStartup: true } }) }, "staging: services.api.misbehave.failStartup is not a known setting"],
    ["the switch as config", { staging: api({ config: { MISBEHAVE_READYZ: "fail" } }) }, "staging: services.api.config.MISBEHAVE_READYZ \"fail\" is set by the deployment, never by config"],
    ["protection as canary config", { staging: api({ grayRelease: { canaryConfig: { APP_PROTECTED: "false" } } }) }, "staging: services.api.grayRelease.canaryConfig.APP_PROTECTED \"false\" is set by the deployment, never by config"],
    ["misbehave on a worker", { dev: api({ kind: "worker", port: null, ingress: null, probes: { liveness: { exec: ["/app", "version"] } }, misbehave: { failLiveness: true } }) }, "dev: services.api.misbehave {\"failLiveness\":true} is set, but a worker serves no HTTP (misbehaviour is of HTTP answers)"],
  ])("%s is refused", (_name, patches, expected) => {
    // GIVEN the settings with the patch  WHEN validated  THEN the message names the field and the value
    expect(problemsWith(patches).join("\n")).toContain(expected);
  });

  test("a protected environment with nothing switched on is valid, and its app is told it is protected", () => {
    // GIVEN prod with an all-off misbehave block  THEN valid
    expect(problemsWith({ prod: api({ misbehave: { errorPercent: 0 } }) })).toEqual([]);
    // AND prod's containers and ConfigMap carry APP_PROTECTED=true; staging's do not
    const prod = synthStack(specWith({}, "docker", "prod"), { platform: "docker" });
    for (const env of dockerEnv(prod).values()) if ("PORT" in env) expect(env.APP_PROTECTED).toBe("true");
    const prodKube = synthStack(specWith({}, "kubernetes", "prod"), { platform: "kubernetes" });
    expect(resourcesOfType(prodKube, "kubernetes_config_map_v1")[0].data.APP_PROTECTED).toBe("true");
    const staging = synthStack(specWith({}, "kubernetes"), { platform: "kubernetes" });
    expect(resourcesOfType(staging, "kubernetes_config_map_v1")[0].data).not.toHaveProperty("APP_PROTECTED");
  });

  test("Docker: each track gets its own misbehaviour and config", () => {
    // GIVEN staging on Docker, a stable track failing readiness and a bad canary with its own greeting
    const json = synthStack(specWith({ misbehave: { failReadiness: true }, ...badCanary }, "docker"), { platform: "docker" });
    const env = dockerEnv(json);
    // THEN the stable replica fails readiness only, with the service's greeting
    expect(env.get("envapi-staging-api-1")).toMatchObject({ MISBEHAVE_READYZ: "fail", GREETING: "hello from staging" });
    expect(env.get("envapi-staging-api-1")).not.toHaveProperty("MISBEHAVE_ERROR_PERCENT");
    // AND the canary fails and slows its shares, with its own greeting, and not readiness
    expect(env.get("envapi-staging-api-canary-1")).toMatchObject({ MISBEHAVE_ERROR_PERCENT: "40", MISBEHAVE_SLOW_PERCENT: "10", MISBEHAVE_SLOW_MS: "300", GREETING: "hello from the canary", APP_ENV: "staging" });
    expect(env.get("envapi-staging-api-canary-1")).not.toHaveProperty("MISBEHAVE_READYZ");
  });

  test("Kubernetes: each track's Deployment gets its own variables, over the shared ConfigMap", () => {
    // GIVEN the same settings on Kubernetes
    const json = synthStack(specWith({ misbehave: { failLiveness: true }, ...badCanary }, "kubernetes"), { platform: "kubernetes" });
    const env = deploymentEnv(json);
    // THEN the stable Deployment fails liveness, the canary its shares with its own greeting
    expect(env.get("api")).toEqual({ MISBEHAVE_LIVEZ: "fail" });
    expect(env.get("api-canary")).toEqual({ GREETING: "hello from the canary", MISBEHAVE_ERROR_PERCENT: "40", MISBEHAVE_SLOW_PERCENT: "10", MISBEHAVE_SLOW_MS: "300" });
    // AND the shared ConfigMap holds no switch
    expect(JSON.stringify(resourcesOfType(json, "kubernetes_config_map_v1"))).not.toContain("MISBEHAVE_");
  });

  test("Kubernetes: Terraform does not wait for the rollout of a track that fails a probe on purpose, and waits for the others", () => {
    // GIVEN a stable track failing liveness and a canary failing only a share of requests
    const json = synthStack(specWith({ misbehave: { failLiveness: true }, ...badCanary }, "kubernetes"), { platform: "kubernetes" });
    const waits = new Map(Object.values(resourcesOfType(json, "kubernetes_deployment_v1")).map((deployment: any) => [deployment.metadata.name, deployment.wait_for_rollout]));
    // THEN the stable rollout would never finish (maxUnavailable 0 keeps the old pods): it is not waited for
    expect(waits.get("api")).toBe(false);
    // AND the canary's is, as Kubernetes' own default
    expect(waits.get("api-canary")).toBeUndefined();
  });

  test("a canary at weight 0 renders no canary variables", () => {
    const json = synthStack(specWith({ grayRelease: { canaryWeight: 0, canaryMisbehave: { errorPercent: 50 } } }, "docker"), { platform: "docker" });
    expect(JSON.stringify(json)).not.toContain("MISBEHAVE_");
  });
});
