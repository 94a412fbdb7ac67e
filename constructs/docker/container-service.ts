// A stateless HTTP service as replica containers on an isolated network: a stable track, plus a canary track
// during a gray release. It renders no proxy itself; `upstreams` tells an IngressProxy where to send traffic
// and with which weights, so the canary gets its share of requests whatever the replica counts are.
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { appEnvironment, DEFAULT_SECRETS_DIRECTORY, Misbehaviour, misbehaviourEnvironment } from "../../model/app-contract";
import { splitReplicas } from "../../model/gray-release";
import { parseQuantity } from "../../model/quantity";
import { DEFAULT_HTTP_PROBES, DEFAULT_PORT, DEFAULT_REPLICAS } from "../../model/service-defaults";
import { labelBlocks } from "./_labels";
import { ContainerImage } from "./container-image";
import { FileVolume } from "./file-volume";
import { ContainerResources, HardenedContainer } from "./hardened-container";
import { HealthCheck } from "./health-check";
import { IsolatedNetwork } from "./isolated-network";

/** A secret value delivered to the container as a read-only file. */
export interface SecretFile {
  /** File name in the secrets directory, also the name the app knows the secret by. */
  readonly name: string;
  /** The value as a Terraform expression (a sensitive variable), never a literal. */
  readonly value: string;
}

/** A gray release: canary replicas beside the stable ones, behind the same proxy route. */
export interface ContainerServiceGrayRelease {
  /** Image of the canary track. */
  readonly canaryImage: ContainerImage;
  /** Share of requests sent to the canary, 0..100; replicas are split with splitReplicas. */
  readonly weight: number;
  /** The canary's own config over the service's. @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** What the canary does wrong on purpose (a bad-canary drill). @default - nothing */
  readonly misbehaviour?: Misbehaviour;
}

/** A scratch volume of each replica (a tmpfs, shared by the replica and its sidecars: a pod's emptyDir). */
export interface ScratchVolume {
  /** Volume name, unique in the service. */
  readonly name: string;
  /** Size limit, a quantity. @default - the tmpfs default (half the host's memory) */
  readonly sizeLimit?: string;
  /** Where the service's own container mounts it. @default - not mounted there */
  readonly mountPath?: string;
}

/** A sidecar: a container beside each replica, in its network namespace (localhost is shared, as in a pod). */
export interface Sidecar {
  /** Name, unique in the service; the container is "<replica>-<name>". */
  readonly name: string;
  /** Its image. */
  readonly image: ContainerImage;
  /** Arguments after the image's entrypoint. @default - the image's CMD */
  readonly command?: readonly string[];
  /** CPU and memory. @default - see HardenedContainer */
  readonly resources?: ContainerResources;
  /** Its health check. @default - none (apply does not wait for it) */
  readonly healthCheck?: HealthCheck;
  /** Scratch volumes it mounts: volume name → path. @default {} */
  readonly mounts?: Readonly<Record<string, string>>;
}

/** One backend of a proxy route. */
export interface Upstream {
  /** Host name the proxy dials: the container name, resolved on the shared network. */
  readonly host: string;
  /** Port the container listens on. */
  readonly port: number;
  /** Relative share of requests (weighted round robin); 0 takes none. */
  readonly weight: number;
}

export interface ContainerServiceProps {
  /** The environment's network; its labels go on every container. */
  readonly network: IsolatedNetwork;
  /** Image of the stable track. */
  readonly image: ContainerImage;
  /** Prefix of the container names, unique on the Docker host. @default - "<network name>-<id>" */
  readonly namePrefix?: string;
  /** Port the app listens on (also passed as PORT). @default 8080 */
  readonly port?: number;
  /** A worker: no port, no PORT variable, no upstreams for a proxy; its health check must be given. @default false */
  readonly worker?: boolean;
  /** Replicas, split with the canary during a gray release. @default 1 */
  readonly replicas?: number;
  /** CPU and memory of each replica. @default - see HardenedContainer */
  readonly resources?: ContainerResources;
  /** The health check of each replica. @default - the app's own `healthcheck --url http://127.0.0.1:<port>/readyz` */
  readonly healthCheck?: HealthCheck;
  /** Non-secret configuration, as environment variables. @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** Secrets, as read-only files in `secretsDirectory` (the app reads SECRETS_DIR); replicas restart when one changes. @default [] */
  readonly secrets?: readonly SecretFile[];
  /** Where secrets are mounted. @default "/run/secrets" */
  readonly secretsDirectory?: string;
  /** Run a canary beside the stable track. @default - stable track only */
  readonly grayRelease?: ContainerServiceGrayRelease;
  /** What the stable track does wrong on purpose (probe tests); the canary's is in grayRelease. @default - nothing */
  readonly misbehaviour?: Misbehaviour;
  /** The environment is protected: APP_PROTECTED=true, and the app refuses to start with any misbehaviour. @default false */
  readonly protected?: boolean;
  /** Scratch volumes of each replica. @default [] */
  readonly volumes?: readonly ScratchVolume[];
  /** Sidecars of each replica. @default [] */
  readonly sidecars?: readonly Sidecar[];
  /** Seconds `apply` waits for a replica to become healthy. @default 60 */
  readonly waitTimeoutSeconds?: number;
}

/** Labels that tell the tracks apart, as on the Kubernetes side. */
export const TRACK_LABEL = "track";

/** Integer weights so the canary containers together get `weight`% of requests, reduced to the smallest terms. */
export function trackWeights(stable: number, canary: number, weight: number): { stable: number; canary: number } {
  if (canary === 0) return { stable: 1, canary: 0 };
  if (stable === 0) return { stable: 0, canary: 1 };
  const perStable = (100 - weight) * canary;
  const perCanary = weight * stable;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const divisor = gcd(perStable, perCanary);
  return { stable: perStable / divisor, canary: perCanary / divisor };
}

export class ContainerService extends Construct {
  /** Every replica, stable first. */
  readonly replicas: HardenedContainer[] = [];
  /** The replicas as proxy upstreams with their weights. */
  readonly upstreams: Upstream[] = [];

  private readonly sidecars: readonly Sidecar[];

  constructor(scope: Construct, id: string, props: ContainerServiceProps) {
    super(scope, id);
    this.sidecars = props.sidecars ?? [];
    const port = props.port ?? DEFAULT_PORT;
    const prefix = props.namePrefix ?? `${props.network.name}-${id}`;
    const secretsDirectory = props.secretsDirectory ?? DEFAULT_SECRETS_DIRECTORY;
    const secrets = props.secrets ?? [];
    const weight = props.grayRelease?.weight ?? 0;
    const split = splitReplicas(props.replicas ?? DEFAULT_REPLICAS, weight);
    const weights = trackWeights(split.stable, split.canary, weight);
    const worker = props.worker ?? false;
    if (worker && props.port !== undefined) throw new Error(`${prefix}: a worker has no port`);
    if (worker && props.healthCheck === undefined) throw new Error(`${prefix}: a worker needs a health check (HealthCheck.exec)`);
    const healthCheck =
      props.healthCheck ??
      HealthCheck.exec(["/app", "healthcheck", "--url", `http://127.0.0.1:${port}${DEFAULT_HTTP_PROBES.readiness.path}`], { intervalSeconds: 5, retries: 3 });
    const secretNames = secrets.map((secret) => secret.name);
    const contract = appEnvironment({ port: worker ? undefined : port, secretsDirectory, secretNames, protected: props.protected });
    const stableEnv = { ...(props.config ?? {}), ...contract, ...misbehaviourEnvironment(props.misbehaviour) };
    const release = props.grayRelease;
    const canaryEnv = { ...(props.config ?? {}), ...(release?.config ?? {}), ...contract, ...misbehaviourEnvironment(release?.misbehaviour) };

    // One volume of secret files for the service, mounted read-only by every replica of both tracks.
    const secretFiles =
      secrets.length > 0
        ? new FileVolume(this, "secrets", {
            name: `${prefix}-secrets`,
            image: props.image,
            files: secrets.map((secret) => ({ name: secret.name, content: secret.value })),
            labels: { ...props.network.labels, service: id },
          })
        : undefined;

    const track = (name: "stable" | "canary", image: ContainerImage, env: Readonly<Record<string, string>>, count: number, trackWeight: number) => {
      for (let index = 1; index <= count; index++) {
        const containerName = name === "stable" ? `${prefix}-${index}` : `${prefix}-canary-${index}`;
        const scratch = this.scratchVolumes(containerName, `${name}-${index}`, props);
        const replica = new HardenedContainer(this, `${name}-${index}`, {
          name: containerName,
          image,
          networks: [props.network],
          aliases: [id],
          env,
          fileMounts: secretFiles ? [{ volume: secretFiles, directory: secretsDirectory }] : [],
          scratchMounts: (props.volumes ?? []).flatMap((volume) => (volume.mountPath ? [{ volume: scratch.get(volume.name) as Volume, path: volume.mountPath }] : [])),
          resources: props.resources,
          healthCheck,
          waitTimeoutSeconds: props.waitTimeoutSeconds,
          labels: { ...props.network.labels, service: id, [TRACK_LABEL]: name },
        });
        this.replicas.push(replica);
        this.addSidecars(replica, scratch);
        if (!worker) this.upstreams.push({ host: containerName, port, weight: trackWeight });
      }
    };
    track("stable", props.image, stableEnv, split.stable, weights.stable);
    if (release && split.canary > 0) {
      track("canary", release.canaryImage, canaryEnv, split.canary, weights.canary);
    }
  }

  /** One tmpfs volume per scratch volume of a replica, owned by the user the containers run as. */
  private scratchVolumes(containerName: string, id: string, props: ContainerServiceProps): Map<string, Volume> {
    return new Map(
      (props.volumes ?? []).map((volume) => {
        const size = volume.sizeLimit ? `,size=${Math.ceil(parseQuantity(volume.sizeLimit))}` : "";
        const created = new Volume(this, `${id}-volume-${volume.name}`, {
          name: `${containerName}-${volume.name}`,
          driver: "local",
          driverOpts: { type: "tmpfs", device: "tmpfs", o: `uid=65532,gid=65532${size}` },
          labels: labelBlocks({ ...props.network.labels, service: this.node.id }),
        });
        return [volume.name, created];
      }),
    );
  }

  private addSidecars(replica: HardenedContainer, scratch: ReadonlyMap<string, Volume>): void {
    for (const sidecar of this.sidecars) {
      const mounts = Object.entries(sidecar.mounts ?? {}).map(([name, path]) => {
        const volume = scratch.get(name);
        if (!volume) throw new Error(`${replica.name}: sidecar ${sidecar.name} mounts volume "${name}", which the service does not declare`);
        return { volume, path };
      });
      new HardenedContainer(this, `${replica.node.id}-sidecar-${sidecar.name}`, {
        name: `${replica.name}-${sidecar.name}`,
        image: sidecar.image,
        networkOf: replica,
        command: sidecar.command,
        resources: sidecar.resources,
        healthCheck: sidecar.healthCheck,
        scratchMounts: mounts,
        labels: { ...replica.labels, sidecar: sidecar.name },
      });
    }
  }
}
