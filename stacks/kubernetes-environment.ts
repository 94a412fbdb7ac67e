// Renders a validated environment spec as Kubernetes constructs.
import { Construct } from "constructs";
import { appEnvironment } from "../model/app-contract";
import { EgressRule, IsolatedNamespace, Probe, Protocol, ScraperAccess, WebService, WebServiceProps, Worker, WorkerProps, Workload, WorkloadProps } from "../constructs/kubernetes";
import { EgressSettings, Environment, HttpServiceSettings, ProbeSettings, ServiceSettings } from "../settings";
import { RouteOfService, terraformAddress } from "./route-of-service";
import { ServiceSecrets } from "./secret-variables";

export interface KubernetesEnvironmentProps {
  /** The validated environment. */
  readonly spec: Environment;
  /** Secret expressions per service. */
  readonly secrets: ServiceSecrets;
  /** Refuse `destroy` of the namespace-level resources. */
  readonly preventDestroy: boolean;
}

/** The construct's probe for a probe of the settings. */
export function probeOf({ check, ...timing }: ProbeSettings): Probe {
  switch (check.kind) {
    case "http":
      return Probe.httpGet(check.path, timing);
    case "tcp":
      return Probe.tcp(check.port, timing);
    case "exec":
      return Probe.exec(check.command, timing);
  }
}

export class KubernetesEnvironment extends Construct {
  readonly namespace: IsolatedNamespace;
  /** The services' Gateway routes (none under Ingress routing). */
  readonly routes: RouteOfService[] = [];

  constructor(scope: Construct, id: string, props: KubernetesEnvironmentProps) {
    super(scope, id);
    const { spec } = props;
    this.namespace = new IsolatedNamespace(this, "namespace", {
      name: spec.namespace,
      labels: { ...spec.labels, environment: spec.name },
      quota: spec.quota,
      defaultContainerLimits: spec.defaultContainerLimits,
      ingressControllerNamespace: spec.ingressController.namespace,
      ingressControllerWebPort: spec.ingressController.webPort,
      egress: spec.egress.map(egressRuleOf),
      preventDestroy: props.preventDestroy,
    });
    for (const service of spec.services) {
      const secrets = props.secrets.get(service.name) ?? [];
      const port = service.kind === "http" ? service.port : undefined;
      const workload: Omit<WorkloadProps, "http"> = {
        namespace: this.namespace,
        image: imageReference(service.image, service.image.tag),
        replicas: service.replicas,
        resources: service.resources,
        probes: { liveness: probeOf(service.probes.liveness), readiness: probeOf(service.probes.readiness), startup: probeOf(service.probes.startup) },
        config: { ...service.config, ...appEnvironment({ environment: spec.name, port, secretNames: secrets.map((secret) => secret.name), protected: spec.protected }) },
        secrets,
        autoscaling: service.autoscaling.enabled
          ? {
              minReplicas: service.autoscaling.minReplicas,
              maxReplicas: service.autoscaling.maxReplicas,
              targetCpuUtilization: service.autoscaling.targetCPUUtilizationPercentage,
            }
          : undefined,
        minAvailable: service.disruptionBudget.enabled ? service.disruptionBudget.minAvailable : undefined,
        grayRelease:
          service.grayRelease.canaryTag !== undefined
            ? {
                canaryImage: imageReference(service.image, service.grayRelease.canaryTag),
                weight: service.grayRelease.canaryWeight,
                replicas: service.grayRelease.canaryReplicas,
                config: service.grayRelease.canaryConfig,
                misbehaviour: service.grayRelease.canaryMisbehave,
              }
            : undefined,
        misbehaviour: service.misbehave,
      };
      const built =
        service.kind === "http"
          ? new WebService(this, service.name, { ...workload, port: service.port, ...traffic(spec, service.ingress) })
          : new Worker(this, service.name, { ...workload, probes: workload.probes as WorkerProps["probes"] });
      addSidecars(built, service);
      if (built.route !== undefined) {
        const { manifest, revision } = built.route;
        this.routes.push({ service: service.name, addresses: [terraformAddress(manifest)], revision });
      }
      if (service.kind === "http" && spec.metricsScraper !== undefined) {
        const source = spec.metricsScraper.cidr !== undefined ? { cidr: spec.metricsScraper.cidr } : { namespace: spec.metricsScraper.namespace as string };
        new ScraperAccess(built, "scraper-access", { namespace: this.namespace, name: service.name, podSelector: { "app.kubernetes.io/name": service.name }, port: service.port, source, preventDestroy: props.preventDestroy });
      }
    }
  }
}

/** How the settings route a service's outside traffic: an HTTPRoute on the controller's Gateway, or an Ingress. */
function traffic(spec: Environment, ingress: HttpServiceSettings["ingress"]): Pick<WebServiceProps, "ingress" | "route"> {
  if (ingress === undefined) return {};
  const { routing, namespace, gateway } = spec.ingressController;
  if (routing === "ingress") return { ingress };
  return { route: { gateway: { name: gateway.name, namespace, listener: gateway.listener }, host: ingress.host, path: ingress.path } };
}

/** The construct's egress rule for an entry of the settings' allow-list. */
export function egressRuleOf({ cidr, namespace, ports }: EgressSettings): EgressRule {
  const egressPorts = ports.map(({ port, protocol }) => ({ port, protocol: Protocol[protocol] }));
  return cidr !== undefined ? EgressRule.toCidr(cidr, egressPorts) : EgressRule.toNamespace(namespace as string, egressPorts);
}

/** "repository:tag", and "@digest" when the settings pin that tag's content (the canary's tag has none). */
function imageReference(image: { readonly repository: string; readonly tag: string; readonly digest?: string }, tag: string): string {
  return `${image.repository}:${tag}${image.digest !== undefined && tag === image.tag ? `@${image.digest}` : ""}`;
}

/** The service's volumes and sidecars, added to its pods. */
function addSidecars(workload: Workload, service: ServiceSettings): void {
  for (const volume of service.volumes) workload.addVolume({ name: volume.name, sizeLimit: volume.sizeLimit, inMemory: volume.inMemory }, volume.mountPath);
  for (const sidecar of service.sidecars) {
    workload.addContainer({
      name: sidecar.name,
      image: imageReference(sidecar.image, sidecar.image.tag),
      args: sidecar.args,
      resources: sidecar.resources,
      liveness: sidecar.liveness ? probeOf(sidecar.liveness) : undefined,
      mounts: sidecar.mounts,
    });
  }
}
