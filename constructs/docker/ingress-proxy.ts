// The environment's ingress on Docker: a Caddy reverse proxy that routes by Host header to containers on the
// environment's internal network, published on one host port (loopback only by default). It sits on two
// networks: its own edge network, where the port is published, and the environment's internal network.
import { Construct } from "constructs";
import { CaddyfileOptions, proxyRouteRevision, ProxyRoute, renderCaddyfile } from "./caddyfile";
import { LocalImage } from "./container-image";
import { FileVolume } from "./file-volume";
import { ContainerResources, HardenedContainer } from "./hardened-container";
import { HealthCheck } from "./health-check";
import { IsolatedNetwork } from "./isolated-network";

/** Caddy version of the image that scripts/proxy-image.sh builds from Go modules. */
export const CADDY_VERSION = "2.11.9";

/** Which proxy image to run and how to check it: the image decides where Caddy lives and what it ships. */
export class ProxyImage {
  /**
   * The FROM-scratch image that `scripts/proxy-image.sh` builds from Caddy's Go module, with no registry.
   * Its Caddy has a `healthcheck` command, since there is no shell or HTTP client in the image.
   */
  static localBuild(version: string = CADDY_VERSION): ProxyImage {
    return new ProxyImage(`envapi-proxy:caddy-${version}`, "/usr/bin/caddy", (url) => ["/usr/bin/caddy", "healthcheck", "--url", url]);
  }

  /** The public `caddy:<tag>` image (Alpine based, checked with its busybox wget); for hosts that can pull. */
  static official(tag: string = CADDY_VERSION): ProxyImage {
    return new ProxyImage(`caddy:${tag}`, "/usr/bin/caddy", (url) => ["wget", "-q", "-O", "/dev/null", url]);
  }

  private constructor(
    /** "repository:tag" of the image. */
    readonly name: string,
    /** Path of the caddy binary in the image. */
    readonly binary: string,
    private readonly checkCommand: (url: string) => string[],
  ) {}

  /** The health check command that GETs `url` from inside the container. */
  healthCommand(url: string): string[] {
    return this.checkCommand(url);
  }
}

export interface IngressProxyProps {
  /** The environment's network the upstreams are on. */
  readonly network: IsolatedNetwork;
  /** Routes by host; every upstream must be a container on `network`. */
  readonly routes: readonly ProxyRoute[];
  /** Host port the proxy is published on. */
  readonly hostPort: number;
  /** Host address the port is bound to. @default "127.0.0.1" */
  readonly hostIp?: string;
  /** The proxy image. @default ProxyImage.localBuild() */
  readonly image?: ProxyImage;
  /** Container name, unique on the Docker host. @default - "<network name>-proxy" */
  readonly name?: string;
  /** CPU and memory of the proxy. @default - requests 50m / 32Mi, limits 500m / 128Mi */
  readonly resources?: ContainerResources;
  /** Refuse to destroy the edge network (Terraform `prevent_destroy`). @default false */
  readonly preventDestroy?: boolean;
  /**
   * The containers the routes send traffic to: the config naming them is written only once they are healthy, so
   * a new upstream is ready before the proxy sends it a request. @default [] (written at once)
   */
  readonly upstreamContainers?: readonly HardenedContainer[];
}

const CONFIG_DIRECTORY = "/etc/caddy";
const PORTS: CaddyfileOptions = { listenPort: 8080, healthPort: 2020 };

export class IngressProxy extends Construct {
  /** The network the proxy publishes its port from. */
  readonly edgeNetwork: IsolatedNetwork;
  /** The proxy container. */
  readonly proxy: HardenedContainer;
  /** The generated Caddyfile. */
  readonly caddyfile: string;
  /** Base URL of the proxy on the host. */
  readonly url: string;
  /** The volume of the proxy's config; its loader is what a route change replaces (the proxy reloads, never restarts). */
  readonly config: FileVolume;
  /** Each route's revision, which the proxy sets on every answer of the route, in the order of `routes`. */
  readonly revisions: readonly string[];

  constructor(scope: Construct, id: string, props: IngressProxyProps) {
    super(scope, id);
    const name = props.name ?? `${props.network.name}-proxy`;
    const image = props.image ?? ProxyImage.localBuild();
    const labels = { ...props.network.labels, component: "ingress-proxy" };
    this.caddyfile = renderCaddyfile(props.routes, PORTS);
    this.revisions = props.routes.map(proxyRouteRevision);
    this.url = `http://${props.hostIp ?? "127.0.0.1"}:${props.hostPort}`;

    // Its own bridge, not Docker's default one: proxies of different environments never share a network.
    this.edgeNetwork = new IsolatedNetwork(this, "edge", {
      name: `${props.network.name}-edge`,
      labels,
      internal: false,
      preventDestroy: props.preventDestroy,
    });
    const proxyImage = new LocalImage(this, "image", { name: image.name });
    const config = new FileVolume(this, "config", {
      name: `${name}-config`,
      image: proxyImage,
      files: [{ name: "Caddyfile", content: this.caddyfile }],
      labels,
      dependsOn: (props.upstreamContainers ?? []).map((upstream) => upstream.container),
    });
    this.config = config;
    this.proxy = new HardenedContainer(this, "proxy", {
      name,
      image: proxyImage,
      networks: [this.edgeNetwork, props.network],
      // --watch: a route change (a canary weight) reloads the config in place, so the proxy never restarts.
      command: [image.binary, "run", "--config", `${CONFIG_DIRECTORY}/Caddyfile`, "--adapter", "caddyfile", "--watch"],
      env: { XDG_CONFIG_HOME: "/tmp/config", XDG_DATA_HOME: "/tmp/data", HOME: "/tmp" },
      fileMounts: [{ volume: config, directory: CONFIG_DIRECTORY, watched: true }],
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
      resources: props.resources ?? { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
      healthCheck: HealthCheck.exec(image.healthCommand(`http://127.0.0.1:${PORTS.healthPort}/healthz`), { intervalSeconds: 5, retries: 3 }),
      ports: [{ containerPort: PORTS.listenPort, hostPort: props.hostPort, hostIp: props.hostIp }],
      labels,
    });
  }
}
