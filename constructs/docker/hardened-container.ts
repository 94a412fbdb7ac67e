// One container with this project's safe defaults: non-root, read-only root filesystem, no new privileges,
// every capability dropped, limits always set, restarted unless stopped, and (with its health check, which only a
// sidecar may go without) an apply that returns only once the container is healthy. Files (secrets, proxy config) come from FileVolumes mounted
// read-only; an image never holds them.
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { parseQuantity } from "../../model/quantity";
import { DEFAULT_RESOURCES } from "../../model/service-defaults";
import { labelBlocks } from "./_labels";
import { ContainerImage } from "./container-image";
import { FileVolume } from "./file-volume";
import { HealthCheck } from "./health-check";
import { IsolatedNetwork } from "./isolated-network";
import { ResourceAmounts } from "../../model/resource-amounts";

/** Requests become the container's CPU weight; limits are enforced by the kernel. */
export interface ContainerResources {
  /** Relative CPU weight (`cpu_shares`); memory requests have no Docker equivalent and are ignored. */
  readonly requests: ResourceAmounts;
  /** Hard CPU (`cpus`) and memory (`memory`) limits. */
  readonly limits: ResourceAmounts;
}

/** Files mounted read-only into the container. */
export interface FileMount {
  /** The volume holding the files. */
  readonly volume: FileVolume;
  /** Absolute directory inside the container. */
  readonly directory: string;
  /** The process reads the files again by itself when they change (Caddy's --watch): the container is not replaced. @default false */
  readonly watched?: boolean;
}

/** A writable scratch volume mounted into the container (shared with the other containers that mount it). */
export interface ScratchMount {
  /** The volume. */
  readonly volume: Volume;
  /** Absolute path inside the container. */
  readonly path: string;
}

/** A container port published on the Docker host. */
export interface PublishedPort {
  /** Port inside the container. */
  readonly containerPort: number;
  /** Port on the host. */
  readonly hostPort: number;
  /** Host address to bind. @default "127.0.0.1" */
  readonly hostIp?: string;
}

export interface HardenedContainerProps {
  /** Container name, unique on the Docker host; other containers on its networks reach it by this name. */
  readonly name: string;
  /** The image to run. */
  readonly image: ContainerImage;
  /** Networks to attach, in order; the container joins no other network. @default [] (only with networkOf) */
  readonly networks?: readonly IsolatedNetwork[];
  /**
   * Share this container's network namespace instead, as the containers of one pod do (a sidecar: localhost is
   * the same for both). It is replaced when that container is. @default - its own networks
   */
  readonly networkOf?: HardenedContainer;
  /** Extra DNS names of the container on each of its networks. @default [] */
  readonly aliases?: readonly string[];
  /** Arguments after the image's entrypoint. @default - the image's CMD */
  readonly command?: readonly string[];
  /** Environment variables. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Read-only directories of files; the container is replaced when a file changes. @default [] */
  readonly fileMounts?: readonly FileMount[];
  /** Writable in-memory directories (path → mount options), since the root filesystem is read-only. @default {} */
  readonly tmpfs?: Readonly<Record<string, string>>;
  /** Writable scratch volumes, shared with the other containers that mount them. @default [] */
  readonly scratchMounts?: readonly ScratchMount[];
  /** CPU and memory. @default - requests 50m / 32Mi, limits 250m / 64Mi */
  readonly resources?: ContainerResources;
  /** The health check; `apply` waits until it passes. @default - none, and `apply` does not wait (a sidecar without one) */
  readonly healthCheck?: HealthCheck;
  /** Seconds `apply` waits for the container to become healthy (on a busy host, beside an image build, it is slow). @default 120 */
  readonly waitTimeoutSeconds?: number;
  /** Seconds between SIGTERM and SIGKILL when the container is stopped. @default 10 */
  readonly stopTimeoutSeconds?: number;
  /** Ports published on the host. @default [] */
  readonly ports?: readonly PublishedPort[];
  /** Labels on the container. @default - the first network's labels (or those of networkOf's) */
  readonly labels?: Readonly<Record<string, string>>;
  /** UID and GID the container runs as (never 0). @default 65532 */
  readonly user?: number;
  /** Mount the image read-only; turning this off lets the process change its own binaries. @default true */
  readonly readOnlyRootFilesystem?: boolean;
}


/** Docker's smallest memory limit. */
const MIN_MEMORY_MB = 6;

/** Memory limit in MiB, as the provider takes it. */
function memoryMb(quantity: string): number {
  return Math.max(MIN_MEMORY_MB, Math.ceil(parseQuantity(quantity) / 2 ** 20));
}

/** CPU limit as the provider reads it back ("0.25", "1.0"), so a second plan shows no change. */
function cpus(quantity: string): string {
  const cores = Math.round(parseQuantity(quantity) * 1e9) / 1e9;
  return Number.isInteger(cores) ? cores.toFixed(1) : String(cores);
}

/** CPU weight relative to the default 1024 of one core. */
function cpuShares(quantity: string): number {
  return Math.max(2, Math.round(parseQuantity(quantity) * 1024));
}

export class HardenedContainer extends Construct {
  /** The container resource. */
  readonly container: Container;
  /** The container name. */
  readonly name: string;
  /** Its labels. */
  readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: HardenedContainerProps) {
    super(scope, id);
    const user = props.user ?? 65532;
    if (user === 0) throw new Error(`${props.name}: user 0 (root) is not allowed`);
    const networks = props.networks ?? [];
    if (props.networkOf !== undefined && networks.length > 0) throw new Error(`${props.name}: a container shares another's network namespace or has networks of its own, not both`);
    if (props.networkOf === undefined && networks.length === 0) throw new Error(`${props.name}: a container needs at least one network`);
    this.name = props.name;
    this.labels = { ...(props.labels ?? props.networkOf?.labels ?? networks[0].labels) };
    const labels = this.labels;
    const resources = props.resources ?? DEFAULT_RESOURCES;

    const fileMounts = props.fileMounts ?? [];
    for (const mount of fileMounts) {
      if (!mount.directory.startsWith("/")) throw new Error(`${props.name}: file mount directory "${mount.directory}" is not absolute`);
    }
    const loaders = fileMounts.map((mount) => mount.volume.loader);
    const replacingLoaders = fileMounts.filter((mount) => !(mount.watched ?? false)).map((mount) => mount.volume.loader);
    const scratchMounts = props.scratchMounts ?? [];
    for (const mount of scratchMounts) {
      if (!mount.path.startsWith("/")) throw new Error(`${props.name}: scratch mount path "${mount.path}" is not absolute`);
    }

    this.container = new Container(this, "container", {
      name: props.name,
      image: props.image.imageId,
      command: props.command ? [...props.command] : undefined,
      env: Object.entries(props.env ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => `${key}=${value}`),
      labels: labelBlocks(labels),
      networksAdvanced:
        networks.length > 0
          ? networks.map((network) => ({
              name: network.network.name,
              aliases: props.aliases && props.aliases.length > 0 ? [...props.aliases] : undefined,
            }))
          : undefined,
      // By ID, as the engine records it, so a second plan is empty.
      networkMode: props.networkOf ? `container:${props.networkOf.container.id}` : undefined,
      ports: (props.ports ?? []).map((port) => ({
        internal: port.containerPort,
        external: port.hostPort,
        ip: port.hostIp ?? "127.0.0.1",
        protocol: "tcp",
      })),
      volumes:
        fileMounts.length + scratchMounts.length > 0
          ? [
              ...fileMounts.map((mount) => ({ volumeName: mount.volume.volume.name, containerPath: mount.directory, readOnly: true })),
              ...scratchMounts.map((mount) => ({ volumeName: mount.volume.name, containerPath: mount.path, readOnly: false })),
            ]
          : undefined,
      tmpfs: props.tmpfs && Object.keys(props.tmpfs).length > 0 ? { ...props.tmpfs } : undefined,

      user: `${user}:${user}`,
      readOnly: props.readOnlyRootFilesystem ?? true,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drop: ["ALL"] },
      privileged: false,

      memory: memoryMb(resources.limits.memory),
      memorySwap: memoryMb(resources.limits.memory), // equal to memory: no swap on top
      cpus: cpus(resources.limits.cpu),
      cpuShares: cpuShares(resources.requests.cpu),

      healthcheck: props.healthCheck?.render(),
      restart: "unless-stopped",
      mustRun: true,
      wait: props.healthCheck !== undefined,
      waitTimeout: props.waitTimeoutSeconds ?? 120,
      stopTimeout: props.stopTimeoutSeconds ?? 10,
      destroyGraceSeconds: props.stopTimeoutSeconds ?? 10,
      // The files are in place before the container starts, and a new version of them means a new container.
      dependsOn: loaders.length > 0 ? loaders : undefined,
      // A plain address: cdktf renders a resource here as "${...}", which Terraform rejects in this meta-argument.
      lifecycle:
        replacingLoaders.length > 0
          ? { replaceTriggeredBy: replacingLoaders.map((loader) => `${loader.terraformResourceType}.${loader.friendlyUniqueId}`) }
          : undefined,
    });
  }
}
