// A stateless workload in an IsolatedNamespace: ConfigMap, Secret, Deployment (plus a canary Deployment during a
// gray release), and optionally HorizontalPodAutoscaler v2 and PodDisruptionBudget; served over HTTP (a port, a
// Service, an Ingress, scrape annotations) when `http` is given. WebService is the HTTP kind, Worker the other.
// Open for additions: `addContainer` (a sidecar) and `addVolume` (an emptyDir) after construction.
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer, DeploymentV1SpecTemplateSpecVolume } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { IngressV1 } from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { createHash } from "crypto";
import { failsAProbe, Misbehaviour, misbehaviourEnvironment } from "../../model/app-contract";
import { ReplicaSplit, routedReplicas, splitReplicas } from "../../model/gray-release";
import { parseQuantity } from "../../model/quantity";
import { DEFAULT_HTTP_PROBES, DEFAULT_REPLICAS, DEFAULT_RESOURCES, DEFAULT_TRAFFIC_ENTRY, HttpProbeDefaults } from "../../model/service-defaults";
import { GatewayParent, HttpRoute } from "./http-route";
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
export interface WorkloadProbes {
  /** Restarts the container when it fails. @default Probe.httpGet("/livez") (HTTP only; a worker must set it) */
  readonly liveness?: Probe;
  /** Takes the pod out of rotation when it fails. @default Probe.httpGet("/readyz", { periodSeconds: 5 }) (HTTP), the liveness check (worker) */
  readonly readiness?: Probe;
  /** Holds the other probes until the app has started. @default Probe.httpGet("/livez", { periodSeconds: 2, failureThreshold: 30 }) (HTTP), the liveness check (worker) */
  readonly startup?: Probe;
}

/** Ingress routing for the service. */
export interface WebServiceIngress {
  /** Host name routed to the service. */
  readonly host: string;
  /** Path prefix routed to the service. @default "/" */
  readonly path?: string;
  /** IngressClass name. @default "traefik" (DEFAULT_TRAFFIC_ENTRY) */
  readonly className?: string;
  /** Secret holding the TLS certificate for `host`. @default - plain HTTP */
  readonly tlsSecretName?: string;
}

/** Gateway API routing for the service: an HTTPRoute whose weighted backends split a canary's traffic exactly. */
export interface WebServiceRoute {
  /** The Gateway the route attaches to. */
  readonly gateway: GatewayParent;
  /** Host name routed to the service. */
  readonly host: string;
  /** Path prefix routed to the service. @default "/" */
  readonly path?: string;
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

/** A gray release: a canary Deployment beside the stable one (behind the same Service, when served). */
export interface WebServiceGrayRelease {
  /** Image of the canary track. */
  readonly canaryImage: string;
  /** Share of the traffic on the canary, 0..100: exact under a route, a share of replicas otherwise (see splitReplicas). */
  readonly weight: number;
  /** The canary's pods under a route, at every weight (see routedReplicas). @default 1 */
  readonly replicas?: number;
  /** The canary's own config over the workload's, as variables of its container (they win over the ConfigMap). @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** What the canary does wrong on purpose (a bad-canary drill). @default - nothing */
  readonly misbehaviour?: Misbehaviour;
}

/** How an HTTP workload is served. */
export interface WorkloadHttp {
  /** Port the container listens on. */
  readonly port: number;
  /** Route outside traffic through an Ingress (a canary's share follows its share of the replicas). @default - no Ingress */
  readonly ingress?: WebServiceIngress;
  /**
   * Route outside traffic through a Gateway API HTTPRoute instead: a Service per track, weighted backends, and a
   * canary with replicas of its own beside an untouched stable track. @default - no route
   */
  readonly route?: WebServiceRoute;
}

/** The container's `imagePullPolicy`. */
export enum ImagePullPolicy {
  ALWAYS = "Always",
  IF_NOT_PRESENT = "IfNotPresent",
  NEVER = "Never",
}

export interface WorkloadProps {
  /** Namespace the workload lives in; its labels go on every object. */
  readonly namespace: IsolatedNamespace;
  /** Image of the stable track, "repository:tag". */
  readonly image: string;
  /** Served over HTTP: a container port, a Service, scrape annotations and optionally an Ingress. @default - a worker: none of them */
  readonly http?: WorkloadHttp;
  /** Kubernetes object names. @default - the construct id */
  readonly name?: string;
  /** Replicas (split with the canary during a gray release; the starting count under autoscaling). @default 1 */
  readonly replicas?: number;
  /**
   * Container requests and limits; ephemeral storage left out takes its default.
   * @default - requests 50m CPU / 32Mi memory / 32Mi ephemeral storage, limits 250m / 64Mi / 256Mi
   */
  readonly resources?: ContainerResources;
  /** Liveness, readiness and startup probes. @default - see WorkloadProbes */
  readonly probes?: WorkloadProbes;
  /** Non-secret configuration: a ConfigMap, loaded as environment variables. @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** Secret values: a Secret, loaded as environment variables. @default [] */
  readonly secrets?: readonly SecretValue[];
  /** Scale the stable Deployment with a HorizontalPodAutoscaler (paused while a canary runs). @default - fixed replicas */
  readonly autoscaling?: WebServiceAutoscaling;
  /** Keep at least this many pods through voluntary disruptions (a PodDisruptionBudget). @default - no budget */
  readonly minAvailable?: number;
  /** Run a canary beside the stable track. @default - stable track only */
  readonly grayRelease?: WebServiceGrayRelease;
  /** What the stable track does wrong on purpose (probe tests); the canary's is in grayRelease. @default - nothing */
  readonly misbehaviour?: Misbehaviour;
  /** UID and GID the container runs as (never 0). @default 65532 */
  readonly runAsUser?: number;
  /**
   * Spread the pods evenly across the values of this node label (a topology spread constraint, maxSkew 1, soft:
   * ScheduleAnyway, so a cluster with fewer nodes than pods still runs them all) when the workload can run more than
   * one pod (replicas, or the autoscaler's maximum); `false` turns it off.
   * @default "kubernetes.io/hostname" (across nodes)
   */
  readonly spreadAcross?: string | false;
  /**
   * When the kubelet pulls the image. The Kubernetes default for a `:latest` tag is Always, which fails for an
   * image loaded into a local cluster (kind load) and never pushed.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: ImagePullPolicy;
}

/** A sidecar: a second container in every pod of the workload, as locked down as the main one. */
export interface SidecarOptions {
  /** Container name, unique in the pod. */
  readonly name: string;
  /** Its image, "repository:tag". */
  readonly image: string;
  /** Its arguments. @default - the image's */
  readonly args?: readonly string[];
  /** Its requests and limits; ephemeral storage left out takes its default. @default - requests 50m CPU / 32Mi memory / 32Mi ephemeral storage, limits 250m / 64Mi / 256Mi */
  readonly resources?: ContainerResources;
  /** Liveness probe. @default - none (the main container's probes judge the pod) */
  readonly liveness?: Probe;
  /** Volumes it mounts: name (from addVolume) → path. @default {} */
  readonly mounts?: Readonly<Record<string, string>>;
}

/** A scratch volume (emptyDir), so a read-only root filesystem can still write a cache. */
export interface VolumeOptions {
  /** Volume name, unique in the pod. */
  readonly name: string;
  /** Size limit, a quantity. @default - none */
  readonly sizeLimit?: string;
  /** Keep it in memory (tmpfs; counts against the memory limit). @default false */
  readonly inMemory?: boolean;
}

const SERVICE_PORT = 80;

/** The node label pods are spread across unless told otherwise. */
export const SPREAD_ACROSS_NODES = "kubernetes.io/hostname";

/** A container's requests and limits in Kubernetes' names, ephemeral storage from the defaults when left out. */
function containerResources(name: string, resources: ContainerResources) {
  const requests = { ...resources.requests, ephemeralStorage: resources.requests.ephemeralStorage ?? DEFAULT_RESOURCES.requests.ephemeralStorage };
  const limits = { ...resources.limits, ephemeralStorage: resources.limits.ephemeralStorage ?? DEFAULT_RESOURCES.limits.ephemeralStorage };
  if (parseQuantity(limits.ephemeralStorage) < parseQuantity(requests.ephemeralStorage)) {
    throw new Error(`${name}: ephemeral storage limit "${limits.ephemeralStorage}" is below its request "${requests.ephemeralStorage}"`);
  }
  const names = (amounts: typeof requests) => ({ cpu: amounts.cpu, memory: amounts.memory, "ephemeral-storage": amounts.ephemeralStorage });
  return { requests: names(requests), limits: names(limits) };
}

/** What differs between the tracks' main containers: the image, and variables of their own. */
interface Track {
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
}

const probeOf = ({ path, ...timing }: HttpProbeDefaults) => Probe.httpGet(path, timing);

function securityContext(runAsUser: number) {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: String(runAsUser),
    runAsGroup: String(runAsUser),
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export class Workload extends Construct {
  /** The stable Deployment; absent while the canary takes every replica (weight 100). */
  readonly deployment?: DeploymentV1;
  /** The canary Deployment, while a gray release runs. */
  readonly canary?: DeploymentV1;
  /** The ClusterIP Service in front of both tracks, when served over HTTP (of the stable track only, under a route). */
  readonly service?: ServiceV1;
  /** The canary track's own Service, under a route while a gray release runs. */
  readonly canaryService?: ServiceV1;
  /** The HTTPRoute, when one was asked for. */
  readonly route?: HttpRoute;
  /** The Ingress, when one was asked for. */
  readonly ingress?: IngressV1;

  private readonly objectName: string;
  private readonly namespaceName: string;
  private readonly labels: Readonly<Record<string, string>>;
  private readonly selector: Readonly<Record<string, string>>;
  private readonly runAsUser: number;
  private readonly sidecars: DeploymentV1SpecTemplateSpecContainer[] = [];
  private readonly volumes: DeploymentV1SpecTemplateSpecVolume[] = [];
  private readonly mainMounts: Array<{ name: string; mountPath: string }> = [];
  /** Each Deployment with its main container's image and own variables, to render its pod again after an addition. */
  private readonly tracks: Array<{ readonly deployment: DeploymentV1; readonly track: Track }> = [];
  private readonly main: (track: Track) => DeploymentV1SpecTemplateSpecContainer;

  constructor(scope: Construct, id: string, private readonly props: WorkloadProps) {
    super(scope, id);
    this.objectName = props.name ?? id;
    this.runAsUser = props.runAsUser ?? 65532;
    if (this.runAsUser === 0) throw new Error(`${this.objectName}: runAsUser 0 (root) is not allowed`);
    this.namespaceName = props.namespace.namespace.metadata.name;
    this.selector = { "app.kubernetes.io/name": this.objectName };
    this.labels = { ...props.namespace.labels, ...this.selector };
    if (props.http?.route && props.http.ingress) throw new Error(`${this.objectName}: route and ingress both set (a service is routed by one of them)`);
    const routed = props.http?.route !== undefined;
    const replicas = props.replicas ?? DEFAULT_REPLICAS;
    const weight = props.grayRelease?.weight ?? 0;
    const split = routed ? routedReplicas(replicas, weight, props.grayRelease?.replicas ?? 1) : splitReplicas(replicas, weight);

    const configMap = this.configMap();
    const secret = this.secret();
    this.main = this.mainContainer(configMap, secret);
    const { stable, canary } = this.deployments(this.main, split, routed);
    this.deployment = stable;
    this.canary = canary;
    if (props.http) {
      this.service = this.httpService("service", this.objectName, routed ? "stable" : undefined);
      if (props.http.ingress) this.ingress = this.httpIngress(props.http.ingress, this.service);
      if (props.http.route) {
        if (canary) this.canaryService = this.httpService("canary-service", `${this.objectName}-canary`, "canary");
        this.route = this.httpRoute(props.http.route, weight);
        // When the release ends the canary track is removed while the route leaves it: Terraform destroys a removed
        // resource before it updates what depended on it, unless the state marks it create_before_destroy (then
        // after), so without this the route would send traffic to a track already gone.
        for (const track of [canary, this.canaryService]) track?.addOverride("lifecycle.create_before_destroy", true);
      }
    }
    this.autoscaler(split, stable, routed);
    this.disruptionBudget();
  }

  /** Adds a sidecar container to every pod (both tracks). */
  addContainer(options: SidecarOptions): void {
    const names = [this.objectName, ...this.sidecars.map((container) => container.name)];
    if (names.includes(options.name)) throw new Error(`${this.objectName}: a container named "${options.name}" is already in the pod`);
    const resources = options.resources ?? DEFAULT_RESOURCES;
    this.sidecars.push({
      name: options.name,
      image: options.image,
      args: options.args ? [...options.args] : undefined,
      imagePullPolicy: this.props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
      resources: containerResources(options.name, resources),
      livenessProbe: options.liveness?.render(),
      volumeMount: this.mounts(options.name, options.mounts ?? {}),
      securityContext: securityContext(this.runAsUser),
    });
    this.renderPods();
  }

  /** Adds a scratch volume to every pod; `mountPath` mounts it in the main container too. */
  addVolume(options: VolumeOptions, mountPath?: string): void {
    if (this.volumes.some((volume) => volume.name === options.name)) throw new Error(`${this.objectName}: a volume named "${options.name}" is already in the pod`);
    this.volumes.push({ name: options.name, emptyDir: { medium: options.inMemory ? "Memory" : undefined, sizeLimit: options.sizeLimit } });
    if (mountPath !== undefined) this.mainMounts.push(...this.mounts(this.objectName, { [options.name]: mountPath }));
    this.renderPods();
  }

  /** Puts the containers and volumes into every Deployment's pod template again, after an addition. */
  private renderPods(): void {
    for (const { deployment, track } of this.tracks) {
      deployment.spec.template.spec.putContainer([this.main(track), ...this.sidecars]);
      if (this.volumes.length > 0) deployment.spec.template.spec.putVolume([...this.volumes]);
    }
  }

  private mounts(container: string, mounts: Readonly<Record<string, string>>): Array<{ name: string; mountPath: string }> {
    return Object.entries(mounts).map(([name, mountPath]) => {
      if (!this.volumes.some((volume) => volume.name === name)) throw new Error(`${this.objectName}: container "${container}" mounts volume "${name}", which addVolume has not added`);
      if (!mountPath.startsWith("/")) throw new Error(`${this.objectName}: container "${container}" mounts "${name}" at "${mountPath}", which is not absolute`);
      return { name, mountPath };
    });
  }

  private configMap(): ConfigMapV1 {
    return new ConfigMapV1(this, "config", {
      metadata: { name: `${this.objectName}-config`, namespace: this.namespaceName, labels: this.labels },
      data: { ...(this.props.config ?? {}) },
    });
  }

  private secret(): SecretV1 {
    return new SecretV1(this, "secret", {
      metadata: { name: `${this.objectName}-secrets`, namespace: this.namespaceName, labels: this.labels },
      type: "Opaque",
      data: Object.fromEntries((this.props.secrets ?? []).map((s) => [s.name, s.value])),
    });
  }

  /** The workload's own container, for a given image; probes default to the HTTP ones only when served. */
  private mainContainer(configMap: ConfigMapV1, secret: SecretV1): (track: Track) => DeploymentV1SpecTemplateSpecContainer {
    const { props } = this;
    const port = props.http?.port;
    const liveness = props.probes?.liveness ?? (props.http ? probeOf(DEFAULT_HTTP_PROBES.liveness) : undefined);
    if (liveness === undefined) throw new Error(`${this.objectName}: a worker needs a liveness probe (Probe.exec or Probe.tcp)`);
    const probes = {
      liveness,
      readiness: props.probes?.readiness ?? (props.http ? probeOf(DEFAULT_HTTP_PROBES.readiness) : liveness),
      startup: props.probes?.startup ?? (props.http ? probeOf(DEFAULT_HTTP_PROBES.startup) : liveness),
    };
    const resources = containerResources(this.objectName, props.resources ?? DEFAULT_RESOURCES);
    return ({ image, env }) => ({
      name: this.objectName,
      image,
      imagePullPolicy: props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT,
      port: port !== undefined ? [{ name: "http", containerPort: port, protocol: "TCP" }] : undefined,
      envFrom: [{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }],
      // A track's own variables (canary config, misbehaviour) win over the shared ConfigMap's.
      env: Object.keys(env).length > 0 ? Object.entries(env).map(([name, value]) => ({ name, value })) : undefined,
      resources,
      livenessProbe: probes.liveness.render(port),
      readinessProbe: probes.readiness.render(port),
      startupProbe: probes.startup.render(port),
      securityContext: securityContext(this.runAsUser),
      volumeMount: this.mainMounts.length > 0 ? [...this.mainMounts] : undefined,
    });
  }

  private deployments(main: (track: Track) => DeploymentV1SpecTemplateSpecContainer, split: ReplicaSplit, routed: boolean): { stable?: DeploymentV1; canary?: DeploymentV1 } {
    const { props } = this;
    // Under a route the stable track keeps its replicas at every weight, so its autoscaler never pauses.
    const autoscaled = props.autoscaling !== undefined && (split.canary === 0 || routed);
    // A config change alters the pod template, so Kubernetes rolls the pods.
    const configChecksum = createHash("sha256").update(JSON.stringify(Object.entries(props.config ?? {}).sort())).digest("hex");
    // Every pod of the service counts, both tracks: the selector is the service's, not the track's.
    const mostPods = Math.max(props.replicas ?? DEFAULT_REPLICAS, props.autoscaling?.maxReplicas ?? 0);
    const spreadAcross = props.spreadAcross ?? SPREAD_ACROSS_NODES;
    const spread =
      spreadAcross !== false && mostPods > 1
        ? [{ maxSkew: 1, topologyKey: spreadAcross, whenUnsatisfiable: "ScheduleAnyway", labelSelector: [{ matchLabels: { ...this.selector } }] }]
        : undefined;
    const scrape: Record<string, string> = props.http
      ? { "prometheus.io/scrape": "true", "prometheus.io/port": String(props.http.port), "prometheus.io/path": "/metrics" }
      : {};
    const deployment = (deploymentId: string, track: "stable" | "canary", own: Track, replicas: number, ignoreReplicas: boolean, misbehaviour: Misbehaviour | undefined) => {
      const created = new DeploymentV1(this, deploymentId, {
        metadata: {
          name: track === "stable" ? this.objectName : `${this.objectName}-canary`,
          namespace: this.namespaceName,
          labels: { ...this.labels, track },
        },
        spec: {
          replicas: String(replicas),
          selector: { matchLabels: { ...this.selector, track } },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "0" } },
          template: {
            metadata: {
              labels: { ...this.labels, track },
              annotations: { "checksum/config": configChecksum, ...scrape },
            },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: String(this.runAsUser),
                runAsGroup: String(this.runAsUser),
                fsGroup: String(this.runAsUser),
                seccompProfile: { type: "RuntimeDefault" },
              },
              container: [main(own)],
              topologySpreadConstraint: spread,
            },
          },
        },
        // A track that fails a probe on purpose never finishes its rollout (maxUnavailable 0 keeps its old pods
        // serving): Terraform does not wait for it, so the apply ends and the probe's effect can be watched.
        waitForRollout: failsAProbe(misbehaviour) ? false : undefined,
        // No pod runs before the namespace's quota, defaults and network policies are in place.
        dependsOn: this.props.namespace.guards,
        // Under autoscaling the HPA owns the replica count after creation.
        lifecycle: ignoreReplicas ? { ignoreChanges: ["spec[0].replicas"] } : undefined,
      });
      this.tracks.push({ deployment: created, track: own });
      return created;
    };

    // A stable track of no replicas is removed rather than scaled to 0: under autoscaling Terraform ignores the
    // replica count after creation and the HPA never scales up from 0, so going back from a 100% canary would
    // leave the service without pods. Created anew, the Deployment starts with its full count.
    const stable =
      split.stable > 0
        ? deployment("deployment", "stable", { image: props.image, env: misbehaviourEnvironment(props.misbehaviour) }, autoscaled ? Math.max(split.stable, props.autoscaling?.minReplicas ?? 1) : split.stable, autoscaled, props.misbehaviour)
        : undefined;
    const release = props.grayRelease;
    // Under a route the canary runs its own replicas at every weight, 0 included: a step changes the route alone.
    const canary =
      release && split.canary > 0
        ? deployment("canary", "canary", { image: release.canaryImage, env: { ...(release.config ?? {}), ...misbehaviourEnvironment(release.misbehaviour) } }, split.canary, false, release.misbehaviour)
        : undefined;
    return { stable, canary };
  }

  /** A ClusterIP Service of the workload's pods, or of one track's. */
  private httpService(id: string, name: string, track?: "stable" | "canary"): ServiceV1 {
    return new ServiceV1(this, id, {
      metadata: { name, namespace: this.namespaceName, labels: track === "canary" ? { ...this.labels, track } : this.labels },
      spec: {
        type: "ClusterIP",
        selector: track !== undefined ? { ...this.selector, track } : this.selector,
        port: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP" }],
      },
    });
  }

  private httpIngress(ingress: WebServiceIngress, service: ServiceV1): IngressV1 {
    return new IngressV1(this, "ingress", {
      metadata: { name: this.objectName, namespace: this.namespaceName, labels: this.labels },
      spec: {
        ingressClassName: ingress.className ?? DEFAULT_TRAFFIC_ENTRY.className,
        rule: [
          {
            host: ingress.host,
            http: {
              path: [
                {
                  path: ingress.path ?? "/",
                  pathType: "Prefix",
                  backend: { service: { name: service.metadata.name, port: { number: SERVICE_PORT } } },
                },
              ],
            },
          },
        ],
        tls: ingress.tlsSecretName ? [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] : undefined,
      },
      waitForLoadBalancer: false,
    });
  }

  /**
   * The route sends each track exactly its weight; a track of weight 0 is left out rather than named at 0, so no
   * request can reach a Service without ready pods. It is applied after the Deployments and Services (a new canary
   * is ready before it gets traffic, a promoted stable track has rolled before it gets it back) and a track's
   * objects are destroyed only after the route stopped naming them.
   */
  private httpRoute(route: WebServiceRoute, weight: number): HttpRoute {
    const stable = this.service as ServiceV1;
    const backends = [
      { service: stable, port: SERVICE_PORT, weight: this.canaryService ? 100 - weight : 100 },
      ...(this.canaryService ? [{ service: this.canaryService, port: SERVICE_PORT, weight }] : []),
    ].filter((backend) => backend.weight > 0);
    return new HttpRoute(this, "route", {
      namespace: this.props.namespace,
      name: this.objectName,
      labels: this.selector,
      gateway: route.gateway,
      host: route.host,
      path: route.path,
      backends,
      after: this.tracks.map(({ deployment }) => deployment),
    });
  }

  private autoscaler(split: ReplicaSplit, stable: DeploymentV1 | undefined, routed: boolean): void {
    const { autoscaling } = this.props;
    if (!autoscaling || (split.canary > 0 && !routed) || !stable) return;
    new HorizontalPodAutoscalerV2(this, "autoscaler", {
      metadata: { name: this.objectName, namespace: this.namespaceName, labels: this.labels },
      spec: {
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: stable.metadata.name },
        metric: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaling.targetCpuUtilization } } }],
      },
    });
  }

  private disruptionBudget(): void {
    if (this.props.minAvailable === undefined) return;
    new PodDisruptionBudgetV1(this, "disruption-budget", {
      metadata: { name: this.objectName, namespace: this.namespaceName, labels: this.labels },
      spec: { minAvailable: String(this.props.minAvailable), selector: { matchLabels: this.selector } },
    });
  }
}
