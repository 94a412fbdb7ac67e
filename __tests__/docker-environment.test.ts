// The real environments rendered for Docker: what each becomes, and the invariants over every container.
import * as path from "path";
import { Testing } from "cdktf";
import { Environment } from "../settings";
import { EnvironmentStack } from "../stacks";
import { realSpecs, resourcesOfType, synthStack, TerraformJson } from "./_helpers";

const specs = realSpecs();
const spec = (name: string): Environment => specs.find((candidate) => candidate.name === name) as Environment;
const onDocker = (s: Environment, allowDestroy = false): TerraformJson => synthStack(s, { platform: "docker", allowDestroy });
const withCanary = (s: Environment, weight: number): Environment => ({
  ...s,
  services: s.services.map((service) => ({ ...service, grayRelease: { ...service.grayRelease, canaryWeight: weight } })),
});
const byName = (json: TerraformJson, type: string) => Object.fromEntries(resourcesOfType(json, type).map((r) => [r.name, r]));
/** The containers that run (a FileVolume's loader is created, never started). */
const running = (json: TerraformJson) => resourcesOfType(json, "docker_container").filter((c) => c.start !== false);

describe("EnvironmentStack (docker)", () => {
  test("staging becomes an internal network, two API replicas and a proxy on its own port", () => {
    // GIVEN staging deployed to Docker
    const json = onDocker(spec("staging"));
    // THEN its state is apart from the Kubernetes target's, and the provider talks to the configured host
    expect(json.terraform.backend).toEqual({ local: { path: "../../../.state/staging.docker.tfstate" } });
    expect(json.provider?.docker).toEqual([{ host: "unix:///var/run/docker.sock" }]);
    // AND the API network is internal, the proxy's edge network is not
    const networks = byName(json, "docker_network");
    expect(networks["envapi-staging"]).toMatchObject({ internal: true, lifecycle: { prevent_destroy: false } });
    expect(networks["envapi-staging-edge"]).toMatchObject({ internal: false });
    // AND the replicas carry staging's config, the app's environment and where the secret file is
    const containers = byName(json, "docker_container");
    expect(running(json).map((c) => c.name).sort()).toEqual(["envapi-staging-api-1", "envapi-staging-api-2", "envapi-staging-proxy"]);
    expect(containers["envapi-staging-api-1"].env).toEqual(
      expect.arrayContaining(["APP_ENV=staging", "GREETING=hello from staging", "SECRETS_DIR=/run/secrets", "SECRET_NAMES=DB_PASSWORD"]),
    );
    // AND the secret is a reference to the sensitive variable, uploaded into the volume the replicas mount read-only
    expect(containers["envapi-staging-api-secrets-loader"].upload).toEqual([{ file: "/files/DB_PASSWORD", content: "${var.api_db_password}", permissions: "0444" }]);
    expect(containers["envapi-staging-api-1"].volumes).toEqual([expect.objectContaining({ container_path: "/run/secrets", read_only: true })]);
    // AND the health check follows the readiness probe, with the startup probe's budget as start period
    expect(containers["envapi-staging-api-1"].healthcheck).toEqual({
      test: ["CMD", "/app", "healthcheck", "--url", "http://127.0.0.1:8080/readyz"],
      interval: "5s",
      timeout: "5s",
      retries: 3,
      start_period: "1m0s",
    });
    // AND the proxy listens on 127.0.0.1:8082 and routes staging's host to both replicas
    expect(containers["envapi-staging-proxy"].ports).toEqual([{ internal: 8080, external: 8082, ip: "127.0.0.1", protocol: "tcp" }]);
    const caddyfile: string = containers["envapi-staging-proxy-config-loader"].upload[0].content;
    expect(caddyfile).toContain('host "api.staging.localhost"');
    expect(caddyfile).toContain("reverse_proxy envapi-staging-api-1:8080 envapi-staging-api-2:8080 {");
    expect((json as unknown as { output: unknown }).output).toMatchObject({ ingress_url: { value: "http://127.0.0.1:8082" } });
  });

  test("the API image is built from app/ with its version, and rebuilt when the sources change", () => {
    // GIVEN staging synthesized into some output folder
    const app = Testing.app();
    const stack = new EnvironmentStack(app, "staging", { spec: spec("staging"), platform: "docker" });
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    // THEN the image is built with staging's version and a fingerprint of the sources as its rebuild trigger
    const [image] = resourcesOfType(json, "docker_image").filter((i) => i.build);
    expect(image).toMatchObject({
      name: "envapi-staging/envapi:0.1.0",
      build: { build_args: { BUILDER_IMAGE: "golang:1.26", VERSION: "0.1.0" } },
      triggers: { source: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    // AND its context is app/, relative to where Terraform runs: <output>/stacks/<stack>
    expect(path.resolve(app.outdir, "stacks", "staging", image.build.context)).toBe(path.resolve(__dirname, "..", "app"));
  });

  test.each([
    [0, ["envapi-staging-api-1", "envapi-staging-api-2"], "1 1"],
    [10, ["envapi-staging-api-1", "envapi-staging-api-canary-1"], "9 1"],
    [100, ["envapi-staging-api-canary-1", "envapi-staging-api-canary-2"], "1 1"],
  ])("gray release at %i%% in staging: containers from splitReplicas, requests split by weight", (weight, names, weights) => {
    // GIVEN staging (2 replicas, canary tag 0.2.0) at a canary weight
    const json = onDocker(withCanary(spec("staging"), weight));
    const containers = byName(json, "docker_container");
    // THEN the replicas are split and the proxy weighs each upstream
    expect(running(json).map((c) => c.name).filter((name) => !name.endsWith("proxy")).sort()).toEqual(names);
    expect(containers["envapi-staging-proxy-config-loader"].upload[0].content).toContain(`lb_policy weighted_round_robin ${weights}`);
    // AND the canary image is built only while a canary runs, with its own version so /version tells them apart
    const images = resourcesOfType(json, "docker_image").filter((i) => i.build).map((i) => [i.name, i.build.build_args.VERSION]).sort();
    expect(images).toEqual(weight === 0 ? [["envapi-staging/envapi:0.1.0", "0.1.0"]] : [["envapi-staging/envapi:0.1.0", "0.1.0"], ["envapi-staging/envapi:0.2.0", "0.2.0"]]);
  });

  test("an image built here from a repository with a registry port gets a valid local name", () => {
    // GIVEN staging's API named after a registry with a port
    const base = spec("staging");
    const ported = { ...base, services: base.services.map((service) => ({ ...service, image: { ...service.image, repository: "registry.local:5000/team/api" } })) };
    // THEN the built image's name has one colon, before its tag
    const names = resourcesOfType(onDocker(ported), "docker_image").map((image) => image.name as string).filter((name) => name.includes("team/api"));
    expect(names).toEqual(["envapi-staging/registry.local-5000/team/api:0.1.0", "envapi-staging/registry.local-5000/team/api:0.2.0"].filter((name) => names.includes(name)));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name.split(":")).toHaveLength(2);
  });

  test("a canary's image stays on the host when its track goes, and a canary of the running tag uses the stable image", () => {
    // GIVEN staging at 50%  THEN the canary image is kept on removal (a promotion or a rollback finds it), the stable one not
    const images = byName(onDocker(withCanary(spec("staging"), 50)), "docker_image");
    expect(images["envapi-staging/envapi:0.2.0"].keep_locally).toBe(true);
    expect(images["envapi-staging/envapi:0.1.0"].keep_locally).toBe(false);
    // AND with the canary tag equal to the running one, one image resource serves both tracks (never two of one name)
    const same = withCanary(spec("staging"), 50);
    const sameTag = { ...same, services: same.services.map((service) => ({ ...service, grayRelease: { ...service.grayRelease, canaryTag: service.image.tag } })) };
    expect(resourcesOfType(onDocker(sameTag), "docker_image").filter((image) => image.build).map((image) => image.name)).toEqual(["envapi-staging/envapi:0.1.0"]);
  });

  test("the proxy config is written after the replicas it routes to, and the proxy reloads it in place", () => {
    // GIVEN staging at 10%  THEN the config's loader depends on every replica of both tracks, and the proxy is never replaced by it
    const json = onDocker(withCanary(spec("staging"), 10));
    const containers = byName(json, "docker_container");
    expect(containers["envapi-staging-proxy-config-loader"].depends_on).toHaveLength(2);
    expect(containers["envapi-staging-proxy"].lifecycle).toBeUndefined();
    expect(containers["envapi-staging-proxy"].command).toContain("--watch");
  });

  test("the provider is pinned to the toolchain's build when a version is given", () => {
    // GIVEN the versions `scripts/toolchain.sh env` exports  THEN the docker provider requires that build
    const pinned = synthStack(spec("staging"), { platform: "docker", providerVersions: { docker: "4.6.1-dev.x", kubernetes: "3.2.2-dev.y" } });
    expect(pinned.terraform.required_providers).toEqual({ docker: { source: "kreuzwerker/docker", version: "4.6.1-dev.x" } });
    // AND without one, the bindings' own version stays
    expect(onDocker(spec("staging")).terraform.required_providers).toEqual({ docker: { source: "kreuzwerker/docker", version: "3.6.2" } });
  });

  test("prod's networks cannot be destroyed unless destroy is explicitly allowed", () => {
    // GIVEN prod on Docker  THEN both networks are prevent_destroy  WHEN destroy is allowed  THEN neither is
    const networks = (json: TerraformJson) => resourcesOfType(json, "docker_network").map((n) => n.lifecycle.prevent_destroy);
    expect(networks(onDocker(spec("prod")))).toEqual([true, true]);
    expect(networks(onDocker(spec("prod"), true))).toEqual([false, false]);
  });

  test("a loader never runs: it only holds the files until a replica mounts them", () => {
    // GIVEN staging's loaders (secrets, proxy config)  THEN they are never started and have no network
    for (const loader of resourcesOfType(onDocker(spec("staging")), "docker_container").filter((c) => c.start === false)) {
      expect(loader).toMatchObject({ must_run: false, network_mode: "none", user: "65532:65532" });
    }
  });

  test("environments share no network, container, volume or port", () => {
    // GIVEN every environment on one Docker host  THEN their names and published ports never clash
    const names = (type: string) => specs.flatMap((s) => resourcesOfType(onDocker(s), type).map((r) => r.name));
    for (const type of ["docker_network", "docker_container", "docker_volume"]) {
      expect(new Set(names(type)).size).toBe(names(type).length);
    }
    const ports = specs.flatMap((s) => running(onDocker(s)).flatMap((c) => c.ports.map((p: any) => p.external)));
    expect(new Set(ports).size).toBe(specs.length);
  });

  describe.each(["dev", "staging", "prod"])("%s on docker: every container that runs", (name) => {
    test("is non-root, read-only, unprivileged, limited, health-checked and waited for", () => {
      // GIVEN the environment with a 50% canary (so both tracks and the proxy exist)  THEN every running container is locked down
      for (const container of running(onDocker(withCanary(spec(name), 50)))) {
        expect([container.name, container.user]).toEqual([container.name, "65532:65532"]);
        expect(container).toMatchObject({
          read_only: true,
          privileged: false,
          security_opts: ["no-new-privileges:true"],
          capabilities: { drop: ["ALL"] },
          restart: "unless-stopped",
          must_run: true,
          wait: true,
        });
        expect(container.memory).toBeGreaterThan(0);
        expect(Number(container.cpus)).toBeGreaterThan(0);
        expect(container.healthcheck.test[0]).toBe("CMD");
        for (const port of container.ports) expect(port.ip).toBe("127.0.0.1");
      }
    });
  });
});
