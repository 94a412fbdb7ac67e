// Renders a validated environment spec as containers on a Docker host: an internal network, the API image built
// from app/, replicas (and canary replicas) of each service, and a reverse proxy routing by host name.
// Kubernetes-only settings (quota, container defaults, autoscaling, disruption budgets, ingress class, TLS)
// have no Docker counterpart and are not rendered.
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import {
  BuiltImage,
  ContainerImage,
  ContainerService,
  DEFAULT_TIMEOUT_SECONDS,
  HardenedContainer,
  HealthCheck,
  IngressProxy,
  IsolatedNetwork,
  LocalImage,
  ProxyImage,
  ProxyRoute,
} from "../constructs/docker";
import { DEFAULT_PORT } from "../model/service-defaults";
import { DEFAULT_SETTINGS_DIR, Environment, ProbeSettings, ServiceSettings } from "../settings";
import { hashBuildContext } from "../images/build-context";
import { DEFAULT_BUILDER_IMAGE } from "../images/builder-image";
import { APP_VARIABLES } from "../model/app-contract";
import { RouteOfService, terraformAddress } from "./route-of-service";
import { ServiceSecrets } from "./secret-variables";

/** A build context: where Terraform finds it, and its fingerprint. */
export interface BuildSource {
  /** Build context as Terraform sees it: relative to cdktf.out/stacks/<env>, or absolute. */
  readonly context: string;
  /** Fingerprint of the context's files; the image is rebuilt when it changes. */
  readonly hash: string;
}

export interface DockerEnvironmentProps {
  /** The validated environment. */
  readonly spec: Environment;
  /** Secret expressions per service. */
  readonly secrets: ServiceSecrets;
  /** Refuse `destroy` of the environment's networks. */
  readonly preventDestroy: boolean;
  /** Where a service's `image.build` folder is, as Terraform sees it. @default - that folder of this project, hashed at synth time */
  readonly buildSource?: (folder: string) => BuildSource;
  /** Image of the Go toolchain the API is compiled in (build arg BUILDER_IMAGE). @default "golang:1.26" */
  readonly builderImage?: string;
  /** The reverse proxy's image. @default ProxyImage.localBuild() (scripts/proxy-image.sh) */
  readonly proxyImage?: ProxyImage;
}

/** A folder of this project, as Terraform sees it from the folder it runs in: <synth output>/stacks/<stack>. */
export function projectBuildSource(scope: Construct, folder: string): BuildSource {
  const dir = path.join(path.dirname(DEFAULT_SETTINGS_DIR), folder);
  const stackDir = path.resolve(App.of(scope).outdir, "stacks", TerraformStack.of(scope).node.id);
  return { context: path.relative(stackDir, dir), hash: hashBuildContext(dir) };
}

/** A Docker health check for a probe: HTTP through the API binary's own `healthcheck`, or the probe's command. */
function healthCheckOf(probe: ProbeSettings, port: number | undefined, startPeriodSeconds: number): HealthCheck {
  const { check } = probe;
  const timing = {
    intervalSeconds: probe.periodSeconds,
    // The probe's timeout is for an answer; this check also starts a process in the container.
    timeoutSeconds: Math.max(probe.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS),
    retries: probe.failureThreshold,
    startPeriodSeconds,
  };
  switch (check.kind) {
    case "http":
      return HealthCheck.exec(["/app", "healthcheck", "--url", `http://127.0.0.1:${port ?? DEFAULT_PORT}${check.path}`], timing);
    case "exec":
      return HealthCheck.exec(check.command, timing);
    case "tcp":
      // Validation refuses TCP checks on Docker: a health check is a command, and the image may have no client.
      throw new Error(`a TCP probe cannot be a Docker health check (use an exec probe)`);
  }
}

const healthCheck = (service: ServiceSettings) => {
  const { readiness, startup } = service.probes;
  return healthCheckOf(readiness, service.kind === "http" ? service.port : undefined, startup.initialDelaySeconds + startup.periodSeconds * startup.failureThreshold);
};

export class DockerEnvironment extends Construct {
  readonly network: IsolatedNetwork;
  /** The reverse proxy, when a service has an ingress. */
  readonly proxy?: IngressProxy;
  /** The services' routes on the proxy, each held by the proxy config's loader. */
  readonly routes: RouteOfService[] = [];

  constructor(scope: Construct, id: string, props: DockerEnvironmentProps) {
    super(scope, id);
    const { spec } = props;
    const buildSource = props.buildSource ?? ((folder: string) => projectBuildSource(this, folder));
    const labels = { ...spec.labels, environment: spec.name };
    this.network = new IsolatedNetwork(this, "network", { name: spec.namespace, labels, preventDestroy: props.preventDestroy });

    const routes: ProxyRoute[] = [];
    const routed: string[] = [];
    const upstreamContainers: HardenedContainer[] = [];
    for (const service of spec.services) {
      const folder = service.image.build;
      const source = folder === undefined ? undefined : buildSource(folder);
      const image = (tag: string, imageId: string, keepLocally?: boolean): ContainerImage =>
        source === undefined
          ? new LocalImage(this, imageId, { name: `${service.image.repository}:${tag}` })
          : new BuiltImage(this, imageId, {
              // One name per environment: a build of staging never retags the image another environment's
              // containers run (the engine finds an image by name, so a shared name made every other environment
              // plan to replace its containers after a build).
              // A registry's port ("registry.local:5000/app") would end the name at its colon: the local name takes "-".
              name: `${spec.namespace}/${service.image.repository.replace(/:/g, "-")}:${tag}`,
              context: source.context,
              buildArgs: { BUILDER_IMAGE: props.builderImage ?? DEFAULT_BUILDER_IMAGE, VERSION: tag },
              sourceHash: source.hash,
              labels: { ...labels, service: service.name },
              keepLocally,
            });
      const { canaryTag, canaryWeight } = service.grayRelease;
      const stableImage = image(service.image.tag, `${service.name}-image`);
      // A promoted canary's image becomes the stable one under the same name: removing the canary's image resource
      // must not delete it from under the stable containers (and a rollback finds it on the host).
      const canaryImage = () => (canaryTag === service.image.tag ? stableImage : image(canaryTag as string, `${service.name}-canary-image`, true));
      const replicas = new ContainerService(this, service.name, {
        network: this.network,
        image: stableImage,
        ...(service.kind === "http" ? { port: service.port } : { worker: true }),
        replicas: service.replicas,
        resources: service.resources,
        healthCheck: healthCheck(service),
        config: { ...service.config, [APP_VARIABLES.environment]: spec.name },
        secrets: props.secrets.get(service.name) ?? [],
        grayRelease:
          canaryTag !== undefined && canaryWeight > 0
            ? {
                canaryImage: canaryImage(),
                weight: canaryWeight,
                config: service.grayRelease.canaryConfig,
                misbehaviour: service.grayRelease.canaryMisbehave,
              }
            : undefined,
        misbehaviour: service.misbehave,
        protected: spec.protected,
        volumes: service.volumes.map((volume) => ({ name: volume.name, sizeLimit: volume.sizeLimit, mountPath: volume.mountPath })),
        sidecars: service.sidecars.map((sidecar) => ({
          name: sidecar.name,
          image: new LocalImage(this, `${service.name}-${sidecar.name}-image`, { name: `${sidecar.image.repository}:${sidecar.image.tag}` }),
          command: sidecar.args,
          resources: sidecar.resources,
          healthCheck: sidecar.liveness ? healthCheckOf(sidecar.liveness, undefined, 0) : undefined,
          mounts: sidecar.mounts,
        })),
      });
      if (service.kind === "http" && service.ingress) {
        const { host, path: prefix } = service.ingress;
        const readiness = service.probes.readiness.check;
        routes.push({ host, path: prefix, upstreams: replicas.upstreams, healthPath: readiness.kind === "http" ? readiness.path : undefined });
        routed.push(service.name);
        upstreamContainers.push(...replicas.replicas);
      }
    }
    if (routes.length > 0) {
      this.proxy = new IngressProxy(this, "ingress", {
        network: this.network,
        routes,
        hostPort: spec.target.docker.ingressPort,
        image: props.proxyImage,
        preventDestroy: props.preventDestroy,
        upstreamContainers,
      });
      // The proxy container too: on a first deploy it does not exist yet, and the routes are checked through it.
      const addresses = [this.proxy.config.loader, this.proxy.proxy.container].map(terraformAddress);
      this.proxy.revisions.forEach((revision, index) => this.routes.push({ service: routed[index], addresses, revision }));
    }
  }
}
