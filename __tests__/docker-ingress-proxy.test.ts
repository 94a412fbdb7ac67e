import * as fs from "fs";
import * as path from "path";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { CADDY_VERSION, HardenedContainer, IngressProxy, IngressProxyProps, IsolatedNetwork, LocalImage, ProxyImage } from "../constructs/docker";

type Json = { resource: Record<string, Record<string, any>> };

function synth(props: Partial<IngressProxyProps> = {}): string {
  return Testing.synthScope((scope: Construct) => {
    const network = new IsolatedNetwork(scope, "network", { name: "envapi-test", labels: { environment: "test" } });
    new IngressProxy(scope, "ingress", {
      network,
      hostPort: 8089,
      routes: [{ host: "api.test.localhost", upstreams: [{ host: "envapi-test-api-1", port: 8080, weight: 1 }] }],
      ...props,
    });
  });
}
const containers = (json: string): any[] => Object.values((JSON.parse(json) as Json).resource.docker_container);
const proxyOf = (json: string): any => containers(json).find((c) => c.name === "envapi-test-proxy");

describe("IngressProxy", () => {
  test("publishes Caddy on the loopback address from an edge network of its own", () => {
    // GIVEN a proxy for one route
    const json = synth();
    // THEN an edge network (not internal, so the port can be published) sits beside the environment's network
    expect(json).toHaveResourceWithProperties(Network, { name: "envapi-test-edge", internal: false });
    // AND the proxy runs the locally built Caddy image, which is never removed on destroy
    expect(json).toHaveResourceWithProperties(Image, { name: `envapi-proxy:caddy-${CADDY_VERSION}`, keep_locally: true });
    // AND it is published on 127.0.0.1 only, hardened like any container, with a writable /tmp in memory
    expect(json).toHaveResourceWithProperties(Container, {
      name: "envapi-test-proxy",
      ports: [{ internal: 8080, external: 8089, ip: "127.0.0.1", protocol: "tcp" }],
      read_only: true,
      user: "65532:65532",
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
      command: ["/usr/bin/caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile", "--watch"],
    });
    const proxy = proxyOf(json);
    expect(proxy.networks_advanced).toHaveLength(2);
    expect(proxy.healthcheck.test).toEqual(["CMD", "/usr/bin/caddy", "healthcheck", "--url", "http://127.0.0.1:2020/healthz"]);
  });

  test("its Caddyfile is in its config volume, mounted read-only, and routes the host", () => {
    // GIVEN a proxy for one route  THEN the config volume is read-only in the proxy and its loader holds the route
    const json = synth();
    expect(proxyOf(json).volumes).toEqual([expect.objectContaining({ container_path: "/etc/caddy", read_only: true })]);
    const [upload] = containers(json).find((c) => c.name === "envapi-test-proxy-config-loader").upload;
    expect(upload.file).toBe("/files/Caddyfile");
    expect(upload.content).toContain('host "api.test.localhost"');
    expect(upload.content).toContain("reverse_proxy envapi-test-api-1:8080 {");
  });

  test("a route change reloads the proxy in place, after the containers it names are up", () => {
    // GIVEN a proxy whose route names a container of the stack
    const json = Testing.synthScope((scope: Construct) => {
      const network = new IsolatedNetwork(scope, "network", { name: "envapi-test", labels: { environment: "test" } });
      const upstream = new HardenedContainer(scope, "upstream", { name: "envapi-test-api-1", image: new LocalImage(scope, "image", { name: "envapi:1" }), networks: [network] });
      new IngressProxy(scope, "ingress", {
        network,
        hostPort: 8089,
        routes: [{ host: "api.test.localhost", upstreams: [{ host: upstream.name, port: 8080, weight: 1 }] }],
        upstreamContainers: [upstream],
      });
    });
    // THEN the proxy watches its config (--watch) and is not replaced when the config's loader is
    const proxy = proxyOf(json);
    expect(proxy.command).toContain("--watch");
    expect(proxy.lifecycle).toBeUndefined();
    // AND the loader writes the config only after the upstream container exists (healthy, since apply waits)
    const loader = containers(json).find((c) => c.name === "envapi-test-proxy-config-loader");
    expect(loader.depends_on).toEqual([expect.stringMatching(/^docker_container\.upstream_container_/)]);
  });

  test("the public image can stand in on a host that can pull", () => {
    // GIVEN the official image  THEN it is named so, and checked with the wget it ships
    const json = synth({ image: ProxyImage.official("2.11.9") });
    expect(json).toHaveResourceWithProperties(Image, { name: "caddy:2.11.9" });
    expect(proxyOf(json).healthcheck.test).toEqual(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:2020/healthz"]);
  });

  test("a protected environment's edge network cannot be destroyed", () => {
    // GIVEN a protected proxy  THEN its edge network is prevent_destroy too
    expect(synth({ preventDestroy: true })).toHaveResourceWithProperties(Network, { name: "envapi-test-edge", lifecycle: { prevent_destroy: true } });
  });
});

describe("CADDY_VERSION", () => {
  test("is the version tools/caddy builds, so the default image name matches scripts/proxy-image.sh", () => {
    // GIVEN the Caddy module pinned in tools/caddy/go.mod  THEN the construct's default image is that version
    const goMod = fs.readFileSync(path.join(__dirname, "..", "tools", "caddy", "go.mod"), "utf8");
    expect(goMod).toContain(`github.com/caddyserver/caddy/v2 v${CADDY_VERSION}\n`);
  });
});
