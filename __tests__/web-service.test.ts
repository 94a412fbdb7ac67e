import { Probe, WebService, WebServiceProps } from "../constructs/kubernetes";
import { all, Json, synthInNamespace } from "./_kubernetes-scope";

function synth(props: Partial<WebServiceProps> = {}): Json {
  return synthInNamespace((scope, namespace) => new WebService(scope, "api", { namespace, image: "envapi:1.0.0", ...props }));
}
const deployments = (json: Json) => all(json, "kubernetes_deployment_v1");

describe("WebService", () => {
  test("is secure and complete by default", () => {
    // GIVEN a web service with only an image
    const json = synth();
    // THEN its one container has requests, limits, all three probes and a locked-down security context
    const [deployment] = deployments(json);
    const pod = deployment.spec.template.spec;
    const [container] = pod.container;
    expect(pod.automount_service_account_token).toBe(false);
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: "RuntimeDefault" } });
    expect(container.security_context).toMatchObject({
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      run_as_non_root: true,
      capabilities: { drop: ["ALL"] },
      seccomp_profile: { type: "RuntimeDefault" },
    });
    expect(container.resources).toEqual({
      requests: { cpu: "50m", memory: "32Mi", "ephemeral-storage": "32Mi" },
      limits: { cpu: "250m", memory: "64Mi", "ephemeral-storage": "256Mi" },
    });
    expect(container.liveness_probe.http_get.path).toBe("/livez");
    expect(container.readiness_probe.http_get.path).toBe("/readyz");
    expect(container.startup_probe.http_get.path).toBe("/livez");
    expect(deployment.spec.strategy.type).toBe("RollingUpdate");
    expect(container.image_pull_policy).toBe("IfNotPresent");
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/path": "/metrics" });
    // AND no ingress, autoscaler or budget unless asked for
    expect(json.resource.kubernetes_ingress_v1).toBeUndefined();
    expect(json.resource.kubernetes_horizontal_pod_autoscaler_v2).toBeUndefined();
    expect(json.resource.kubernetes_pod_disruption_budget_v1).toBeUndefined();
  });

  test("a config change changes the pod template checksum", () => {
    // GIVEN two configs  WHEN synthesized  THEN the checksum annotations differ, so the pods roll
    const checksum = (config: Record<string, string>) => deployments(synth({ config }))[0].spec.template.metadata.annotations["checksum/config"];
    expect(checksum({ GREETING: "a" })).not.toEqual(checksum({ GREETING: "b" }));
    expect(checksum({ A: "1", B: "2" })).toEqual(checksum({ B: "2", A: "1" }));
  });

  test("loads config and secrets as environment variables", () => {
    // GIVEN a config value and a secret expression
    const json = synth({ config: { GREETING: "hi" }, secrets: [{ name: "TOKEN", value: "${var.token}" }] });
    // THEN the ConfigMap holds the config, the Secret the expression, and the container loads both
    expect(all(json, "kubernetes_config_map_v1")[0].data).toEqual({ GREETING: "hi" });
    expect(all(json, "kubernetes_secret_v1")[0].data).toEqual({ TOKEN: "${var.token}" });
    const envFrom = deployments(json)[0].spec.template.spec.container[0].env_from;
    expect(envFrom).toHaveLength(2);
  });

  test("TCP and exec probes", () => {
    // GIVEN a TCP liveness probe on the main port and an exec readiness probe
    const json = synth({ probes: { liveness: Probe.tcp(), readiness: Probe.exec(["/app", "healthcheck"], { periodSeconds: 5 }) } });
    const [container] = deployments(json)[0].spec.template.spec.container;
    // THEN they render as tcp_socket on port 8080 and an exec command, with Kubernetes' timing otherwise
    expect(container.liveness_probe).toEqual({ tcp_socket: [{ port: "8080" }], initial_delay_seconds: 0, period_seconds: 10, timeout_seconds: 1, failure_threshold: 3 });
    expect(container.readiness_probe).toMatchObject({ exec: { command: ["/app", "healthcheck"] }, period_seconds: 5 });
  });

  test("custom probes are rendered against the container port", () => {
    const json = synth({ port: 9000, probes: { readiness: Probe.httpGet("/ready", { periodSeconds: 3, failureThreshold: 5 }) } });
    expect(deployments(json)[0].spec.template.spec.container[0].readiness_probe).toEqual({
      http_get: { path: "/ready", port: "9000" },
      initial_delay_seconds: 0,
      period_seconds: 3,
      timeout_seconds: 1,
      failure_threshold: 5,
    });
    expect(() => Probe.httpGet("ready")).toThrow('probe path "ready" must start with "/"');
    expect(() => Probe.exec([])).toThrow("an exec probe needs a command");
    expect(() => Probe.tcp(70000)).toThrow("probe port 70000 is not a port (1-65535)");
  });

  test("ingress, autoscaler and disruption budget when asked for", () => {
    // GIVEN all optional parts
    const json = synth({
      replicas: 2,
      ingress: { host: "api.example.test", tlsSecretName: "api-tls" },
      autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 75 },
      minAvailable: 1,
    });
    // THEN each is there with its settings
    const [ingress] = all(json, "kubernetes_ingress_v1");
    expect(ingress.spec.rule[0].host).toBe("api.example.test");
    expect(ingress.spec.tls).toEqual([{ hosts: ["api.example.test"], secret_name: "api-tls" }]);
    const [hpa] = all(json, "kubernetes_horizontal_pod_autoscaler_v2");
    expect(hpa.spec).toMatchObject({ min_replicas: 2, max_replicas: 5 });
    expect(hpa.spec.metric[0].resource.target).toEqual({ type: "Utilization", average_utilization: 75 });
    expect(all(json, "kubernetes_pod_disruption_budget_v1")[0].spec.min_available).toBe("1");
    // AND the autoscaler owns the replica count after creation
    expect(deployments(json)[0].lifecycle).toEqual({ ignore_changes: ["spec[0].replicas"] });
  });

  test.each([
    [0, 4, 0],
    [5, 3, 1],
    [25, 3, 1],
    [50, 2, 2],
    [100, 0, 4],
  ])("gray release at %i%% splits 4 replicas into %i stable and %i canary", (weight, stable, canary) => {
    // GIVEN 4 replicas and a canary weight
    const json = synth({ replicas: 4, grayRelease: { canaryImage: "envapi:2.0.0", weight } });
    // THEN the replica split is visible on the Deployments
    const byName = Object.fromEntries(deployments(json).map((d) => [d.metadata.name, d]));
    // (a stable track of 0 replicas is removed, not scaled to 0)
    expect(byName.api?.spec.replicas).toBe(stable === 0 ? undefined : String(stable));
    expect(byName["api-canary"]?.spec.replicas).toBe(canary === 0 ? undefined : String(canary));
    if (canary > 0) expect(byName["api-canary"].spec.template.spec.container[0].image).toBe("envapi:2.0.0");
  });

  test("the autoscaler pauses while a canary runs", () => {
    const json = synth({ replicas: 4, autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 75 }, grayRelease: { canaryImage: "envapi:2.0.0", weight: 25 } });
    expect(json.resource.kubernetes_horizontal_pod_autoscaler_v2).toBeUndefined();
  });

  describe("behind a Gateway API route", () => {
    const route = { gateway: { name: "envapi", namespace: "traefik", listener: "web" }, host: "api.example.test", path: "/v1" };
    const autoscaling = { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 75 };
    const routeOf = (json: Json) => all(json, "kubernetes_manifest")[0].manifest;

    test.each([
      [0, 1, [100]],
      [5, 1, [95, 5]],
      [25, 1, [75, 25]],
      [100, 1, [100]],
    ])("at %i%% the canary runs %i pod beside all 4 stable ones; the route's weights are %j", (weight, canary, weights) => {
      // GIVEN 4 autoscaled replicas routed by an HTTPRoute, and a canary
      const json = synth({ replicas: 4, autoscaling, route, grayRelease: { canaryImage: "envapi:2.0.0", weight } });
      // THEN the stable track keeps its replicas and its autoscaler
      const byName = Object.fromEntries(deployments(json).map((d) => [d.metadata.name, d]));
      expect(byName.api.spec.replicas).toBe("4");
      expect(all(json, "kubernetes_horizontal_pod_autoscaler_v2")).toHaveLength(1);
      // AND the canary Deployment runs its own replicas at every weight
      expect(byName["api-canary"].spec.replicas).toBe(String(canary));
      // AND the route attaches to the Gateway for the host and prefix, and names only tracks with a weight
      const manifest = routeOf(json);
      expect(manifest).toMatchObject({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "api" } });
      expect(manifest.spec.parentRefs).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "envapi", namespace: "traefik", sectionName: "web" }]);
      expect(manifest.spec.hostnames).toEqual(["api.example.test"]);
      expect(manifest.spec.rules[0].matches).toEqual([{ path: { type: "PathPrefix", value: "/v1" } }]);
      expect(manifest.spec.rules[0].backendRefs.map((ref: { weight: number }) => ref.weight)).toEqual(weights);
      // AND no Ingress
      expect(json.resource.kubernetes_ingress_v1).toBeUndefined();
    });

    test("each track has its own Service; without a canary, the stable one alone", () => {
      const withCanary = synth({ route, grayRelease: { canaryImage: "envapi:2.0.0", weight: 5 } });
      expect(all(withCanary, "kubernetes_service_v1").map((service) => [service.metadata.name, service.spec.selector]).sort()).toEqual([
        ["api", { "app.kubernetes.io/name": "api", track: "stable" }],
        ["api-canary", { "app.kubernetes.io/name": "api", track: "canary" }],
      ]);
      expect(all(synth({ route }), "kubernetes_service_v1").map((service) => service.metadata.name)).toEqual(["api"]);
    });

    test("the canary track is marked create_before_destroy, so Terraform destroys it only after the route left it", () => {
      // (measured on kwok: without it the promotion's apply destroyed the canary before updating the route)
      const json = synth({ route, grayRelease: { canaryImage: "envapi:2.0.0", weight: 100 } });
      const canaryObjects = [...deployments(json), ...all(json, "kubernetes_service_v1")].filter((object) => object.metadata.name === "api-canary");
      expect(canaryObjects.map((object) => object.lifecycle?.create_before_destroy)).toEqual([true, true]);
      expect(deployments(json).find((deployment) => deployment.metadata.name === "api").lifecycle?.create_before_destroy).toBeUndefined();
    });

    test("a route and an Ingress at once are refused", () => {
      expect(() => synth({ route, ingress: { host: "api.example.test" } })).toThrow("api: route and ingress both set");
    });
  });

  test("refuses to run as root", () => {
    expect(() => synth({ runAsUser: 0 })).toThrow("runAsUser 0 (root) is not allowed");
  });
});
