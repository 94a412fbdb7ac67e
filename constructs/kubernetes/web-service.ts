// A stateless HTTP service in an IsolatedNamespace: ConfigMap, Secret, Deployment (plus a canary Deployment
// during a gray release), Service, and optionally Ingress, HorizontalPodAutoscaler v2 and PodDisruptionBudget.
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { createHash } from "crypto";
import { splitReplicas } from "../../model/gray-release";
import { DEFAULT_HTTP_PROBES, DEFAULT_PORT, DEFAULT_REPLICAS, DEFAULT_RESOURCES, HttpProbeDefaults } from "../../model/service-defaults";
import { ContainerResources, IsolatedNamespace } from "./isolated-namespace";
import { Probe } from "./probe";

/** A secret value delivered to the container as an environment variable. */
export interface SecretValue {
  /** Environment variable name inside the container. */
  readonly name: string;
  /** The value as a Terraform expression (a sensitive variable), never a literal. */
  readonly value: string;
}

/** Container probes; all three are always set. */
export interface WebServiceProbes {
  /** Restarts the container when it fails. @default Probe.httpGet("/livez") */
  readonly liveness?: Probe;
  /** Takes the pod out of the Service when it fails. @default Probe.httpGet("/readyz", { periodSeconds: 5 }) */
  readonly readiness?: Probe;
  /** Holds the other probes until the app has started. @default Probe.httpGet("/livez", { periodSeconds: 2, failureThreshold: 30 }) */
  readonly startup?: Probe;
}

/** Ingress routing for the service. */
export interface WebServiceIngress {
  /** Host name routed to the service. */
  readonly host: string;
  /** Path prefix routed to the service. @default "/" */
  readonly path?: string;
  /** IngressClass name. @default "nginx" */
  readonly className?: string;
  /** Secret holding the TLS certificate for `host`. @default - plain HTTP */
  readonly tlsSecretName?: string;
}

/** HorizontalPodAutoscaler v2 bounds. */
export interface WebServiceAutoscaling {
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** Average CPU utilisation (percent of requests) the autoscaler aims for. */
  readonly targetCpuUtilization: number;
}

/** A gray release: a canary Deployment beside the stable one, behind the same Service. */
export interface WebServiceGrayRelease {
  /** Image of the canary track. */
  readonly canaryImage: string;
  /** Share of replicas on the canary, 0..100 (see splitReplicas for the granularity). */
  readonly weight: number;
}

export interface WebServiceProps {
  /** Namespace the service lives in; its labels go on every object. */
  readonly namespace: IsolatedNamespace;
  /** Image of the stable track, "repository:tag". */
  readonly image: string;
  /** Port the container listens on. @default 8080 */
  readonly port?: number;
  /** Replicas (split with the canary during a gray release; the starting count under autoscaling). @default 1 */
  readonly replicas?: number;
  /** Container requests and limits. @default - requests 50m CPU / 32Mi memory, limits 250m / 64Mi */
  readonly resources?: ContainerResources;
  /** Liveness, readiness and startup probes. @default - see WebServiceProbes */
  readonly probes?: WebServiceProbes;
  /** Non-secret configuration: a ConfigMap, loaded as environment variables. @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** Secret values: a Secret, loaded as environment variables. @default [] */
  readonly secrets?: readonly SecretValue[];
  /** Route outside traffic through an Ingress. @default - no Ingress */
  readonly ingress?: WebServiceIngress;
  /** Scale the stable Deployment with a HorizontalPodAutoscaler (paused while a canary runs). @default - fixed replicas */
  readonly autoscaling?: WebServiceAutoscaling;
  /** Keep at least this many pods through voluntary disruptions (a PodDisruptionBudget). @default - no budget */
  readonly minAvailable?: number;
  /** Run a canary beside the stable track. @default - stable track only */
  readonly grayRelease?: WebServiceGrayRelease;
  /** UID and GID the container runs as (never 0). @default 65532 */
  readonly runAsUser?: number;
  /**
   * When the kubelet pulls the image. The Kubernetes default for a `:latest` tag is Always, which fails for an
   * image loaded into a local cluster (kind load) and never pushed.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
}

/** The container's `imagePullPolicy`. */
export enum ImagePullPolicy {
  ALWAYS = "Always",
  IF_NOT_PRESENT = "IfNotPresent",
  NEVER = "Never",
}

/** Pod annotations carrying the gray-release state, so a plan shows each step. */
export const GRAY_RELEASE_ANNOTATIONS = {
  weight: "gray-release/weight",
  split: "gray-release/split",
} as const;


const SERVICE_PORT = 80;

export class WebService extends Construct {
  /** The stable Deployment; absent while the canary takes every replica (weight 100). */
  readonly deployment?: DeploymentV1;
  /** The canary Deployment, while a gray release runs. */
  readonly canary?: DeploymentV1;
  /** The ClusterIP Service in front of both tracks. */
  readonly service: ServiceV1;
  /** The Ingress, when one was asked for. */
  readonly ingress?: IngressV1;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const name = id;
    const port = props.port ?? DEFAULT_PORT;
    const runAsUser = props.runAsUser ?? 65532;
    if (runAsUser === 0) throw new Error(`${name}: runAsUser 0 (root) is not allowed`);
    const namespace = props.namespace.namespace.metadata.name;
    const selector = { "app.kubernetes.io/name": name };
    const labels = { ...props.namespace.labels, ...selector };
    const config = props.config ?? {};
    const secrets = props.secrets ?? [];
    const weight = props.grayRelease?.weight ?? 0;
    const split = splitReplicas(props.replicas ?? DEFAULT_REPLICAS, weight);
    const autoscaled = props.autoscaling !== undefined && split.canary === 0;

    const configMap = new ConfigMapV1(this, "config", {
      metadata: { name: `${name}-config`, namespace, labels },
      data: { ...config },
    });
    const secret = new SecretV1(this, "secret", {
      metadata: { name: `${name}-secrets`, namespace, labels },
      type: "Opaque",
      data: Object.fromEntries(secrets.map((s) => [s.name, s.value])),
    });

    const probe = ({ path, ...timing }: HttpProbeDefaults) => Probe.httpGet(path, timing);
    const probes = {
      liveness: props.probes?.liveness ?? probe(DEFAULT_HTTP_PROBES.liveness),
      readiness: props.probes?.readiness ?? probe(DEFAULT_HTTP_PROBES.readiness),
      startup: props.probes?.startup ?? probe(DEFAULT_HTTP_PROBES.startup),
    };
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const container = (image: string): DeploymentV1SpecTemplateSpecContainer => ({
      name,
      image,
      imagePullPolicy: props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
      port: [{ name: "http", containerPort: port, protocol: "TCP" }],
      envFrom: [{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }],
      resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
      livenessProbe: probes.liveness.render(port),
      readinessProbe: probes.readiness.render(port),
      startupProbe: probes.startup.render(port),
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: String(runAsUser),
        runAsGroup: String(runAsUser),
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
    });

    // A config change alters the pod template, so Kubernetes rolls the pods.
    const configChecksum = createHash("sha256").update(JSON.stringify(Object.entries(config).sort())).digest("hex");
    const grayAnnotations = {
      [GRAY_RELEASE_ANNOTATIONS.weight]: String(weight),
      [GRAY_RELEASE_ANNOTATIONS.split]: `stable=${split.stable} canary=${split.canary} effective=${split.effectiveWeight}%`,
    };
    const deployment = (deploymentId: string, track: "stable" | "canary", image: string, replicas: number, ignoreReplicas: boolean) =>
      new DeploymentV1(this, deploymentId, {
        metadata: {
          name: track === "stable" ? name : `${name}-canary`,
          namespace,
          labels: { ...labels, track },
          annotations: grayAnnotations,
        },
        spec: {
          replicas: String(replicas),
          selector: { matchLabels: { ...selector, track } },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "0" } },
          template: {
            metadata: {
              labels: { ...labels, track },
              annotations: {
                "checksum/config": configChecksum,
                "prometheus.io/scrape": "true",
                "prometheus.io/port": String(port),
                "prometheus.io/path": "/metrics",
              },
            },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: String(runAsUser),
                runAsGroup: String(runAsUser),
                fsGroup: String(runAsUser),
                seccompProfile: { type: "RuntimeDefault" },
              },
              container: [container(image)],
            },
          },
        },
        // Under autoscaling the HPA owns the replica count after creation.
        lifecycle: ignoreReplicas ? { ignoreChanges: ["spec[0].replicas"] } : undefined,
      });

    // A stable track of no replicas is removed rather than scaled to 0: under autoscaling Terraform ignores the
    // replica count after creation and the HPA never scales up from 0, so going back from a 100% canary would
    // leave the service without pods. Created anew, the Deployment starts with its full count.
    const stable = split.stable > 0
      ? deployment("deployment", "stable", props.image, autoscaled ? Math.max(split.stable, props.autoscaling?.minReplicas ?? 1) : split.stable, autoscaled)
      : undefined;
    this.deployment = stable;
    if (props.grayRelease && split.canary > 0) {
      this.canary = deployment("canary", "canary", props.grayRelease.canaryImage, split.canary, false);
    }

    this.service = new ServiceV1(this, "service", {
      metadata: { name, namespace, labels },
      spec: {
        type: "ClusterIP",
        selector,
        port: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP" }],
      },
    });

    if (props.ingress) {
      this.ingress = new IngressV1(this, "ingress", {
        metadata: { name, namespace, labels },
        spec: {
          ingressClassName: props.ingress.className ?? "nginx",
          rule: [
            {
              host: props.ingress.host,
              http: {
                path: [
                  {
                    path: props.ingress.path ?? "/",
                    pathType: "Prefix",
                    backend: { service: { name: this.service.metadata.name, port: { number: SERVICE_PORT } } },
                  },
                ],
              },
            },
          ],
          tls: props.ingress.tlsSecretName ? [{ hosts: [props.ingress.host], secretName: props.ingress.tlsSecretName }] : undefined,
        },
        waitForLoadBalancer: false,
      });
    }

    if (props.autoscaling && autoscaled && stable) {
      new HorizontalPodAutoscalerV2(this, "autoscaler", {
        metadata: { name, namespace, labels },
        spec: {
          minReplicas: props.autoscaling.minReplicas,
          maxReplicas: props.autoscaling.maxReplicas,
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: stable.metadata.name },
          metric: [
            {
              type: "Resource",
              resource: { name: "cpu", target: { type: "Utilization", averageUtilization: props.autoscaling.targetCpuUtilization } },
            },
          ],
        },
      });
    }

    if (props.minAvailable !== undefined) {
      new PodDisruptionBudgetV1(this, "disruption-budget", {
        metadata: { name, namespace, labels },
        spec: { minAvailable: String(props.minAvailable), selector: { matchLabels: selector } },
      });
    }
  }
}
