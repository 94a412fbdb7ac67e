// Renders a validated environment spec as containers on a Docker host: an internal network, the API image built
// from app/, replicas (and canary replicas) of each service, and a reverse proxy routing by host name.
// Kubernetes-only settings (quota, container defaults, autoscaling, disruption budgets, ingress class, TLS)
// have no Docker counterpart and are not rendered.
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import {
  BuiltImage,
  ContainerService,
  DEFAULT_TIMEOUT_SECONDS,
  HealthCheck,
  IngressProxy,
  IsolatedNetwork,
  ProxyImage,
  ProxyRoute,
} from "../constructs/docker";
import { DEFAULT_SETTINGS_DIR, Environment, ServiceSettings } from "../settings";
import { hashBuildContext } from "../images/build-context";
import { APP_VARIABLES } from "../model/app-contract";
import { ServiceSecrets } from "./secret-variables";

/** The API's build context: where Terraform finds it, and its fingerprint. */
export interface AppSource {
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
  /** The API's sources. @default - app/ of this project, hashed at synth time */
  readonly appSource?: AppSource;
  /** Image of the Go toolchain the API is compiled in (build arg BUILDER_IMAGE). @default "golang:1.26" */
  readonly builderImage?: string;
  /** The reverse proxy's image. @default ProxyImage.localBuild() (scripts/proxy-image.sh) */
  readonly proxyImage?: ProxyImage;
}

/** This project's app/, as Terraform sees it from the folder it runs in: <synth output>/stacks/<stack>. */
export function defaultAppSource(scope: Construct): AppSource {
  const appDir = path.join(path.dirname(DEFAULT_SETTINGS_DIR), "app");
  const stackDir = path.resolve(App.of(scope).outdir, "stacks", TerraformStack.of(scope).node.id);
  return { context: path.relative(stackDir, appDir), hash: hashBuildContext(appDir) };
}

const healthCheck = (service: ServiceSettings) => {
  const { readiness, startup } = service.probes;
  return HealthCheck.exec(["/app", "healthcheck", "--url", `http://127.0.0.1:${service.port}${readiness.path}`], {
    intervalSeconds: readiness.periodSeconds,
    // The readiness probe's timeout is for an HTTP answer; this check also starts a process in the container.
    timeoutSeconds: Math.max(readiness.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS),
    retries: readiness.failureThreshold,
    startPeriodSeconds: startup.initialDelaySeconds + startup.periodSeconds * startup.failureThreshold,
  });
};

export class DockerEnvironment extends Construct {
  readonly network: IsolatedNetwork;
  /** The reverse proxy, when a service has an ingress. */
  readonly proxy?: IngressProxy;

  constructor(scope: Construct, id: string, props: DockerEnvironmentProps) {
    super(scope, id);
    const { spec } = props;
    const appSource = props.appSource ?? defaultAppSource(this);
    const labels = { ...spec.labels, environment: spec.name };
    this.network = new IsolatedNetwork(this, "network", { name: spec.namespace, labels, preventDestroy: props.preventDestroy });

    const routes: ProxyRoute[] = [];
    for (const service of spec.services) {
      const image = (tag: string, imageId: string) =>
        new BuiltImage(this, imageId, {
          name: `${service.image.repository}:${tag}`,
          context: appSource.context,
          buildArgs: { BUILDER_IMAGE: props.builderImage ?? "golang:1.26", VERSION: tag },
          sourceHash: appSource.hash,
          labels: { ...labels, service: service.name },
        });
      const { canaryTag, canaryWeight } = service.grayRelease;
      const replicas = new ContainerService(this, service.name, {
        network: this.network,
        image: image(service.image.tag, `${service.name}-image`),
        port: service.port,
        replicas: service.replicas,
        resources: service.resources,
        healthCheck: healthCheck(service),
        config: { ...service.config, [APP_VARIABLES.environment]: spec.name },
        secrets: props.secrets.get(service.name) ?? [],
        grayRelease:
          canaryTag !== undefined && canaryWeight > 0
            ? { canaryImage: image(canaryTag, `${service.name}-canary-image`), weight: canaryWeight }
            : undefined,
      });
      if (service.ingress) {
        const { host, path: prefix } = service.ingress;
        routes.push({ host, path: prefix, upstreams: replicas.upstreams, healthPath: service.probes.readiness.path });
      }
    }

    if (routes.length > 0) {
      this.proxy = new IngressProxy(this, "ingress", {
        network: this.network,
        routes,
        hostPort: spec.target.docker.ingressPort,
        image: props.proxyImage,
        preventDestroy: props.preventDestroy,
      });
    }
  }
}
