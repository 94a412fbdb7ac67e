// The three real stacks: a snapshot each, plus assertions that pin what the snapshot alone would not.
import { Environment, validateEnvironments } from "../settings";
import { patchedSettings, realSpecs, resourcesOfType, synthStack } from "./_helpers";

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

  test("a shared backend: S3 with Terraform's lock file, PostgreSQL without a connection string", () => {
    // GIVEN staging on an S3-compatible server, and on PostgreSQL
    const s3 = { ...spec("staging"), backend: { kind: "s3" as const, bucket: "envapi-state", key: "envapi/staging", usePathStyle: true, skipCredentialsValidation: true } };
    const pg = { ...spec("staging"), backend: { kind: "pg" as const, schemaName: "envapi_staging" } };
    // WHEN synthesized  THEN the S3 block has the lock file (an override: cdktf's S3Backend lacks it) and only the settings given
    expect(synthStack(s3).terraform.backend).toEqual({
      s3: { bucket: "envapi-state", key: "envapi/staging/kubernetes", use_lockfile: true, use_path_style: true, skip_credentials_validation: true },
    });
    // AND the pg block names the schema per platform; the connection string is PG_CONN_STR's, never in the JSON
    expect(synthStack(pg).terraform.backend).toEqual({ pg: { schema_name: "envapi_staging_kubernetes" } });
    expect(synthStack(pg, { platform: "docker" }).terraform.backend).toEqual({ pg: { schema_name: "envapi_staging_docker" } });
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

  test("prod runs 3 replicas with a disruption budget of 2, routed by the Gateway", () => {
    const json = synthStack(spec("prod"));
    expect(resourcesOfType(json, "kubernetes_deployment_v1")[0].spec.replicas).toBe("3");
    expect(resourcesOfType(json, "kubernetes_pod_disruption_budget_v1")[0].spec.min_available).toBe("2");
    expect(resourcesOfType(json, "kubernetes_ingress_v1")).toEqual([]);
    const [route] = resourcesOfType(json, "kubernetes_manifest");
    expect(route.manifest.spec).toMatchObject({
      parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "envapi", namespace: "traefik", sectionName: "web" }],
      hostnames: ["api.prod.localhost"],
    });
  });

  test("the app learns its environment and which secrets it has, not their values", () => {
    const [configMap] = resourcesOfType(synthStack(spec("staging")), "kubernetes_config_map_v1");
    expect(configMap.data).toMatchObject({ APP_ENV: "staging", GREETING: "hello from staging", SECRET_NAMES: "DB_PASSWORD" });
    const [secret] = resourcesOfType(synthStack(spec("staging")), "kubernetes_secret_v1");
    expect(secret.data).toEqual({ DB_PASSWORD: "${var.api_db_password}" });
    expect(synthStack(spec("staging")).variable?.api_db_password).toMatchObject({ sensitive: true, type: "string" });
  });

  const atWeight = (base: Environment, weight: number): Environment => ({
    ...base,
    services: base.services.map((s) => ({ ...s, grayRelease: { ...s.grayRelease, canaryWeight: weight } })),
  });

  test.each([
    [0, "1", [["api", 100]]],
    [5, "1", [["api", 95], ["api-canary", 5]]],
    [25, "1", [["api", 75], ["api-canary", 25]]],
    [100, "1", [["api-canary", 100]]],
  ])("gray release step %i%% in staging is the route's weights; the stable track and its autoscaler stay", (weight, canary, backends) => {
    // GIVEN staging (2 replicas under an autoscaler, canary tag 0.2.0) at a canary weight
    const json = synthStack(atWeight(spec("staging"), weight));
    // THEN the route sends exactly the weight to the canary's Service, and names no track of weight 0
    const [route] = resourcesOfType(json, "kubernetes_manifest");
    const refs = route.manifest.spec.rules[0].backendRefs as Array<{ name: string; weight: number; port: number }>;
    const names = Object.fromEntries(resourcesOfType(json, "kubernetes_service_v1").map((service) => [`\${kubernetes_service_v1.${service.metadata.name === "api" ? "kubernetes-environment_api_service_3094D28F" : "kubernetes-environment_api_canary-service_FAE6BA0C"}.metadata[0].name}`, service.metadata.name]));
    expect(refs.map((ref) => [names[ref.name], ref.weight])).toEqual(backends);
    expect(refs.every((ref) => ref.port === 80)).toBe(true);
    // AND each Service selects one track
    expect(resourcesOfType(json, "kubernetes_service_v1").map((service) => [service.metadata.name, service.spec.selector.track]).sort()).toEqual([["api", "stable"], ["api-canary", "canary"]]);
    // AND the stable Deployment and its autoscaler are there at every step; the canary runs its own replicas
    const byName = Object.fromEntries(resourcesOfType(json, "kubernetes_deployment_v1").map((d) => [d.metadata.name, d]));
    expect(byName.api.spec.replicas).toBe("2");
    expect(byName["api-canary"].spec.replicas).toBe(canary);
    expect(resourcesOfType(json, "kubernetes_horizontal_pod_autoscaler_v2")).toHaveLength(1);
    // AND the route is applied after the Deployments (a canary is ready before it gets traffic)
    expect(route.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_deployment_v1\..*_api_deployment_/), expect.stringMatching(/^kubernetes_deployment_v1\..*_api_canary_/)]));
  });

  test("behind a route, a release step changes the route and its revision, never a Deployment or a Service (no pod restarts)", () => {
    // GIVEN staging (Gateway routing, canary tag 0.2.0) synthesized at each weight of a release
    const at = (weight: number) => synthStack(atWeight(spec("staging"), weight));
    const [zero, ...steps] = [0, 5, 25, 100].map(at);
    const tracks = (json: ReturnType<typeof at>) => JSON.stringify([...resourcesOfType(json, "kubernetes_deployment_v1"), ...resourcesOfType(json, "kubernetes_service_v1")]);
    const route = (json: ReturnType<typeof at>) => resourcesOfType(json, "kubernetes_manifest")[0].manifest;
    const revisionOf = (json: ReturnType<typeof at>) => route(json).spec.rules[0].filters[0].responseHeaderModifier.set[0];
    for (const step of steps) {
      // THEN both tracks' Deployments and Services are exactly those of weight 0
      expect(tracks(step)).toBe(tracks(zero));
      // AND the route answers with a revision of its own at each weight
      expect(revisionOf(step).name).toBe("Envapi-Route");
      expect(revisionOf(step).value).not.toBe(revisionOf(zero).value);
    }
    expect(new Set([zero, ...steps].map((json) => revisionOf(json).value)).size).toBe(4);
    expect(revisionOf(at(25))).toEqual(revisionOf(steps[1]));
  });

  test("no pod of a workload runs before its namespace's quota, defaults and network policies exist", () => {
    const json = synthStack(spec("staging"));
    const guards = [...resourcesOfType(json, "kubernetes_network_policy_v1"), ...resourcesOfType(json, "kubernetes_resource_quota_v1"), ...resourcesOfType(json, "kubernetes_limit_range_v1")];
    expect(guards.length).toBeGreaterThan(5);
    for (const deployment of resourcesOfType(json, "kubernetes_deployment_v1")) {
      expect(deployment.depends_on).toHaveLength(guards.length);
      expect((deployment.depends_on as string[]).every((address) => /^kubernetes_(network_policy_v1|resource_quota_v1|limit_range_v1)\./.test(address))).toBe(true);
    }
  });

  test.each([
    [0, "2", undefined],
    [5, "1", "1"],
    [25, "1", "1"],
    [100, undefined, "2"],
  ])("gray release step %i%% in staging behind an ingress controller alone shows the replica split", (weight, stable, canary) => {
    // GIVEN staging (2 replicas, canary tag 0.2.0) routed by an Ingress, at a canary weight
    const base = spec("staging");
    const stepped = atWeight({ ...base, ingressController: { ...base.ingressController, routing: "ingress" } }, weight);
    // THEN the stable and canary Deployments carry the split
    const byName = Object.fromEntries(resourcesOfType(synthStack(stepped), "kubernetes_deployment_v1").map((d) => [d.metadata.name, d]));
    expect(byName.api?.spec.replicas).toBe(stable);
    expect(byName["api-canary"]?.spec.replicas).toBe(canary);
  });
});

describe("EnvironmentStack (kubernetes): what the checkers asked for", () => {
  test("staging keeps one of its two pods through a node drain; dev, on one replica, has no budget that could block one", () => {
    const budgets = (name: string) => resourcesOfType(synthStack(spec(name)), "kubernetes_pod_disruption_budget_v1");
    expect(budgets("staging").map((budget) => budget.spec.min_available)).toEqual(["1"]);
    expect(budgets("dev")).toEqual([]);
  });

  test("staging's and prod's pods spread across nodes; dev's one pod has nothing to spread", () => {
    const spread = (name: string) => resourcesOfType(synthStack(spec(name)), "kubernetes_deployment_v1")[0].spec.template.spec.topology_spread_constraint;
    expect(spread("staging")[0]).toMatchObject({ topology_key: "kubernetes.io/hostname", when_unsatisfiable: "ScheduleAnyway" });
    expect(spread("prod")[0]).toMatchObject({ topology_key: "kubernetes.io/hostname" });
    expect(spread("dev")).toBeUndefined();
  });

  test("a prebuilt image pinned by digest runs by digest; a tag built here, and the canary's tag, stay tags", () => {
    // GIVEN staging with a sidecar whose image the settings pin by digest
    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    const staging = validateEnvironments(
      patchedSettings({
        staging: {
          services: [{ name: "api", grayRelease: { canaryWeight: 50 }, sidecars: [{ name: "cache", image: { repository: "memcached", tag: "1.6", digest }, liveness: { tcpPort: 11211 } }] }],
        },
      }),
    ).find((candidate) => candidate.name === "staging") as Environment;
    // THEN the sidecar's reference carries the digest, the API's tags do not
    const images = resourcesOfType(synthStack(staging), "kubernetes_deployment_v1").flatMap((deployment) => deployment.spec.template.spec.container.map((container: any) => container.image));
    expect(images.sort()).toEqual(["envapi:0.1.0", "envapi:0.2.0", `memcached:1.6@${digest}`, `memcached:1.6@${digest}`]);
  });

  test("the settings' egress allow-list reaches the namespace, validated, as one policy", () => {
    // GIVEN staging allowed to reach a database network on 5432 and the monitoring namespace on 4317
    const staging = validateEnvironments(
      patchedSettings({ staging: { egress: [{ cidr: "10.20.0.0/16", ports: [{ port: 5432 }] }, { namespace: "monitoring", ports: [{ port: 4317, protocol: "TCP" }] }] } }),
    ).find((candidate) => candidate.name === "staging") as Environment;
    // THEN one policy "allow-egress" holds both rules; without the list there is no such policy
    const allow = (environment: Environment) => resourcesOfType(synthStack(environment), "kubernetes_network_policy_v1").filter((policy) => policy.metadata.name === "allow-egress");
    expect(allow(staging).map((policy) => policy.spec.egress)).toEqual([
      [
        { to: [{ ip_block: { cidr: "10.20.0.0/16" } }], ports: [{ port: "5432", protocol: "TCP" }] },
        { to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ port: "4317", protocol: "TCP" }] },
      ],
    ]);
    expect(allow(spec("staging"))).toEqual([]);
  });
});

describe("EnvironmentStack: a worker and a sidecar from settings", () => {
  // GIVEN staging with a queue worker (a prebuilt image, probed by a command) and a cache sidecar beside the API
  const worker = {
    name: "consumer",
    kind: "worker",
    image: { repository: "registry.local/consumer", tag: "2.0.0" },
    probes: { liveness: { exec: ["/consumer", "--check"] } },
  };
  const patched = patchedSettings({
    staging: {
      services: [
        { name: "api", volumes: [{ name: "cache", sizeLimit: "64Mi" }], sidecars: [{ name: "cache", image: { repository: "memcached", tag: "1.6" }, liveness: { exec: ["true"] }, mounts: { cache: "/data" } }] },
        worker,
      ],
    },
  });
  const staging = validateEnvironments(patched).find((candidate) => candidate.name === "staging") as Environment;

  test("Kubernetes: the worker is a Deployment with no Service; the API's pods carry the sidecar", () => {
    const json = synthStack(staging);
    const deployments = resourcesOfType(json, "kubernetes_deployment_v1");
    const consumer = deployments.find((deployment) => deployment.metadata.name === "consumer") as any;
    expect(consumer.spec.template.spec.container[0]).toMatchObject({ image: "registry.local/consumer:2.0.0", liveness_probe: { exec: { command: ["/consumer", "--check"] } } });
    expect(consumer.spec.template.spec.container[0].port).toBeUndefined();
    expect(resourcesOfType(json, "kubernetes_service_v1").map((service) => service.metadata.name).sort()).toEqual(["api", "api-canary"]);
    const api = deployments.find((deployment) => deployment.metadata.name === "api") as any;
    expect(api.spec.template.spec.container.map((container: any) => container.name)).toEqual(["api", "cache"]);
    // AND the worker's ConfigMap tells it no port
    const configs = resourcesOfType(json, "kubernetes_config_map_v1");
    expect(configs.find((config) => config.metadata.name === "consumer-config")!.data).toEqual({ APP_ENV: "staging", SECRET_NAMES: "" });
  });

  test("Docker: the worker runs its prebuilt image with a command health check and no route; the sidecar shares each replica's network", () => {
    const json = synthStack(staging, { platform: "docker" });
    const containers = resourcesOfType(json, "docker_container");
    const consumer = containers.find((container) => container.name === "envapi-staging-consumer-1") as any;
    expect(consumer.healthcheck.test).toEqual(["CMD", "/consumer", "--check"]);
    expect(consumer.env).not.toEqual(expect.arrayContaining([expect.stringMatching(/^PORT=/)]));
    // a prebuilt image is looked up, never built
    const images = resourcesOfType(json, "docker_image");
    expect(images.find((image) => image.name === "registry.local/consumer:2.0.0")!.build).toBeUndefined();
    expect(images.find((image) => image.name === "envapi-staging/envapi:0.1.0")!.build).toBeDefined();
    // the sidecar: one per API replica, in that replica's network namespace, mounting the replica's scratch volume
    const sidecars = containers.filter((container) => /^envapi-staging-api-\d-cache$/.test(container.name));
    expect(sidecars).toHaveLength(2);
    expect(sidecars[0].network_mode).toMatch(/^container:\$\{docker_container\..*\.id\}$/);
    expect(sidecars[0].networks_advanced).toBeUndefined();
    const volumes = resourcesOfType(json, "docker_volume").filter((volume) => /-cache$/.test(volume.name));
    expect(volumes.map((volume) => volume.driver_opts)).toEqual([
      { type: "tmpfs", device: "tmpfs", o: "uid=65532,gid=65532,size=67108864" },
      { type: "tmpfs", device: "tmpfs", o: "uid=65532,gid=65532,size=67108864" },
    ]);
    // AND the proxy routes only the API
    const proxy = containers.find((container) => container.name === "envapi-staging-proxy-config-loader") as any;
    expect(proxy.upload[0].content).not.toContain("consumer");
  });
});
