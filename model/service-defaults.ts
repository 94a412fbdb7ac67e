// What a service gets when its settings leave something out: one set of values for the settings schema and for
// the constructs' own defaults (WebService, ContainerService, HardenedContainer), so they cannot drift apart.
import { ResourceAmounts } from "./resource-amounts";

/** A container's amounts, ephemeral storage included. */
export type ContainerAmounts = Required<ResourceAmounts>;

/**
 * Requests and limits of a container that sets none. Ephemeral storage: the container's root filesystem is read-only,
 * so what it uses is its log (the kubelet rotates it at 10Mi, keeping 5 files) and any emptyDir on disk; 256Mi holds
 * that with room, and a container that fills the node's disk is evicted instead.
 */
export const DEFAULT_RESOURCES: { readonly requests: ContainerAmounts; readonly limits: ContainerAmounts } = {
  requests: { cpu: "50m", memory: "32Mi", ephemeralStorage: "32Mi" },
  limits: { cpu: "250m", memory: "64Mi", ephemeralStorage: "256Mi" },
};

/**
 * The cluster's traffic entry (cluster/traffic-entry.yaml, installed by scripts/cluster.sh on every provider):
 * Traefik in its own namespace, serving the IngressClass and GatewayClass of the same name.
 */
export const DEFAULT_TRAFFIC_ENTRY = { className: "traefik", namespace: "traefik", webPort: 8000 } as const;

/** The port an HTTP service listens on. */
export const DEFAULT_PORT = 8080;

/** Replicas of a service. */
export const DEFAULT_REPLICAS = 1;

/** An HTTP probe's path and timing. */
export interface HttpProbeDefaults {
  readonly path: string;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

/** Kubernetes' own probe timing, for what a probe leaves out. */
export const PROBE_TIMING = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 } as const;

/** The API's probes: alive at /livez, ready at /readyz, a minute to start. */
export const DEFAULT_HTTP_PROBES: { readonly liveness: HttpProbeDefaults; readonly readiness: HttpProbeDefaults; readonly startup: HttpProbeDefaults } = {
  liveness: { ...PROBE_TIMING, path: "/livez" },
  readiness: { ...PROBE_TIMING, path: "/readyz", periodSeconds: 5 },
  startup: { ...PROBE_TIMING, path: "/livez", periodSeconds: 2, failureThreshold: 30 },
};
