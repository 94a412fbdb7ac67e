import { Testing } from "cdktf";
import { Construct } from "constructs";
import { ContainerService, ContainerServiceProps, IsolatedNetwork, trackWeights, Upstream } from "../constructs/docker";

type Json = { resource: Record<string, Record<string, any>> };
const stable = { name: "envapi:1.0.0", imageId: "sha256:stable" };
const canary = { name: "envapi:1.1.0", imageId: "sha256:canary" };

function synth(props: Partial<ContainerServiceProps> = {}): { json: Json; upstreams: Upstream[] } {
  let upstreams: Upstream[] = [];
  const json = Testing.synthScope((scope: Construct) => {
    const network = new IsolatedNetwork(scope, "network", { name: "envapi-test", labels: { environment: "test" } });
    upstreams = new ContainerService(scope, "api", { network, image: stable, ...props }).upstreams;
  });
  return { json: JSON.parse(json) as Json, upstreams };
}
const containers = (json: Json): any[] => Object.values(json.resource.docker_container ?? {});
const running = (json: Json): any[] => containers(json).filter((c) => c.start !== false);

describe("ContainerService", () => {
  test("runs one named replica with the app's config, its port and where its secrets are", () => {
    // GIVEN a service with config and a secret expression
    const { json, upstreams } = synth({ config: { GREETING: "hi" }, secrets: [{ name: "DB_PASSWORD", value: "${var.db}" }] });
    // THEN one replica, named after the network and the service, reads config from env and the secret from a file
    const replica = containers(json).find((c) => c.name === "envapi-test-api-1");
    expect(replica.env).toEqual(["GREETING=hi", "PORT=8080", "SECRET_NAMES=DB_PASSWORD", "SECRETS_DIR=/run/secrets"]);
    expect(replica.volumes).toEqual([expect.objectContaining({ container_path: "/run/secrets", read_only: true })]);
    const loader = containers(json).find((c) => c.name === "envapi-test-api-secrets-loader");
    expect(loader.upload).toEqual([{ file: "/files/DB_PASSWORD", content: "${var.db}", permissions: "0444" }]);
    // AND its health check is the app's own readiness check
    expect(replica.healthcheck.test).toEqual(["CMD", "/app", "healthcheck", "--url", "http://127.0.0.1:8080/readyz"]);
    // AND it carries the service and track labels, and answers to the service name on the network
    expect(replica.labels).toEqual(expect.arrayContaining([{ label: "service", value: "api" }, { label: "track", value: "stable" }]));
    expect(replica.networks_advanced[0].aliases).toEqual(["api"]);
    expect(upstreams).toEqual([{ host: "envapi-test-api-1", port: 8080, weight: 1 }]);
  });

  test("no secret means no secrets volume", () => {
    // GIVEN a service without secrets  THEN no volume (and no loader) is made
    expect(synth().json.resource.docker_volume).toBeUndefined();
  });

  test("every replica of both tracks mounts the one secrets volume", () => {
    // GIVEN 4 replicas at a 25% canary with one secret  THEN one volume serves all four replicas
    const { json } = synth({ replicas: 4, grayRelease: { canaryImage: canary, weight: 25 }, secrets: [{ name: "A", value: "${var.a}" }] });
    expect(Object.keys(json.resource.docker_volume)).toHaveLength(1);
    const mounts = new Set(running(json).map((c) => c.volumes[0].volume_name));
    expect([running(json).length, mounts.size]).toEqual([4, 1]);
  });

  test.each([
    // weight, replicas → stable and canary containers, per-container weights
    [0, 2, ["envapi-test-api-1", "envapi-test-api-2"], [1, 1]],
    [10, 2, ["envapi-test-api-1", "envapi-test-api-canary-1"], [9, 1]],
    [25, 4, ["envapi-test-api-1", "envapi-test-api-2", "envapi-test-api-3", "envapi-test-api-canary-1"], [1, 1, 1, 1]],
    [50, 3, ["envapi-test-api-1", "envapi-test-api-canary-1", "envapi-test-api-canary-2"], [2, 1, 1]],
    [100, 2, ["envapi-test-api-canary-1", "envapi-test-api-canary-2"], [1, 1]],
  ])("a %i%% canary over %i replicas splits containers with splitReplicas and requests by weight", (weight, replicas, names, weights) => {
    // GIVEN a gray release at `weight`
    const { json, upstreams } = synth({ replicas, grayRelease: { canaryImage: canary, weight } });
    // THEN the containers are split, and the upstream weights give the canary `weight`% of requests
    expect(running(json).map((c) => c.name).sort()).toEqual([...names].sort());
    expect(upstreams.map((u) => [u.host, u.weight])).toEqual(names.map((name, i) => [name, weights[i]]));
    const canaryShare = upstreams.filter((u) => u.host.includes("canary")).reduce((sum, u) => sum + u.weight, 0);
    const total = upstreams.reduce((sum, u) => sum + u.weight, 0);
    expect((100 * canaryShare) / total).toBe(weight);
    // AND canary containers run the canary image
    for (const container of running(json)) {
      expect(container.image).toBe(container.name.includes("canary") ? "sha256:canary" : "sha256:stable");
    }
  });

  test("track weights are reduced to their smallest terms", () => {
    // GIVEN 3 stable and 1 canary at 5%  THEN 19:3 per container (3×19 : 1×3 = 95 : 5)
    expect(trackWeights(3, 1, 5)).toEqual({ stable: 19, canary: 3 });
    expect(trackWeights(1, 1, 50)).toEqual({ stable: 1, canary: 1 });
  });
});
