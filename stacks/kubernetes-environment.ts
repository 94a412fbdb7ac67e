// Renders a validated environment spec as Kubernetes constructs.
import { Construct } from "constructs";
import { appEnvironment } from "../model/app-contract";
import { IsolatedNamespace, Probe, WebService } from "../constructs/kubernetes";
import { Environment, ProbeSettings } from "../settings";
import { ServiceSecrets } from "./secret-variables";

export interface KubernetesEnvironmentProps {
  /** The validated environment. */
  readonly spec: Environment;
  /** Secret expressions per service. */
  readonly secrets: ServiceSecrets;
  /** Refuse `destroy` of the namespace-level resources. */
  readonly preventDestroy: boolean;
}

const probe = (settings: ProbeSettings) => Probe.httpGet(settings.path, settings);

export class KubernetesEnvironment extends Construct {
  readonly namespace: IsolatedNamespace;

  constructor(scope: Construct, id: string, props: KubernetesEnvironmentProps) {
    super(scope, id);
    const { spec } = props;
    this.namespace = new IsolatedNamespace(this, "namespace", {
      name: spec.namespace,
      labels: { ...spec.labels, environment: spec.name },
      quota: spec.quota,
      defaultContainerLimits: spec.defaultContainerLimits,
      ingressControllerNamespace: spec.ingressController.namespace,
      preventDestroy: props.preventDestroy,
    });
    for (const service of spec.services) {
      const secrets = props.secrets.get(service.name) ?? [];
      new WebService(this, service.name, {
        namespace: this.namespace,
        image: `${service.image.repository}:${service.image.tag}`,
        port: service.port,
        replicas: service.replicas,
        resources: service.resources,
        probes: {
          liveness: probe(service.probes.liveness),
          readiness: probe(service.probes.readiness),
          startup: probe(service.probes.startup),
        },
        config: {
          ...service.config,
          ...appEnvironment({ environment: spec.name, port: service.port, secretNames: secrets.map((secret) => secret.name) }),
        },
        secrets,
        ingress: service.ingress,
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
            ? { canaryImage: `${service.image.repository}:${service.grayRelease.canaryTag}`, weight: service.grayRelease.canaryWeight }
            : undefined,
      });
    }
  }
}
