// How a canary weight becomes replica counts. Platform-neutral: Kubernetes behind an Ingress splits replicas,
// Docker splits proxy weights from the same numbers.

/** Stack outputs named this, then a service's name, say its release state; a release step changes them. */
export const RELEASE_OUTPUT_PREFIX = "gray_release_";

/** Replica counts of the stable and canary tracks for one service. */
export interface ReplicaSplit {
  /** Replicas running the stable image. */
  readonly stable: number;
  /** Replicas running the canary image. */
  readonly canary: number;
  /** The requested canary weight, 0..100. */
  readonly requestedWeight: number;
  /** The share of replicas on the canary, in percent, rounded: what traffic spread evenly over pods gets. */
  readonly effectiveWeight: number;
}

/**
 * Splits `replicas` so the canary gets about `weight`% of them. The granularity is one replica, i.e.
 * 100/replicas percent: weight 0 means no canary and weight 100 means no stable replica; any weight in
 * between keeps at least one replica on each track, so a 5% canary over 4 replicas runs 1 canary beside
 * 3 stable (25%). Raise replicas for a finer split.
 */
export function splitReplicas(replicas: number, weight: number): ReplicaSplit {
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be a positive integer, got ${replicas}`);
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new RangeError(`weight must be an integer in 0..100, got ${weight}`);
  let canary: number;
  if (weight === 0) canary = 0;
  else if (weight === 100) canary = replicas;
  else canary = Math.min(Math.max(Math.round((replicas * weight) / 100), 1), Math.max(replicas - 1, 1));
  const stable = weight === 100 ? 0 : Math.max(replicas - canary, 1);
  return { stable, canary, requestedWeight: weight, effectiveWeight: Math.round((100 * canary) / (stable + canary)) };
}

/**
 * The tracks' replicas when a route splits the traffic by weight (Gateway API): the share no longer depends on
 * replica counts, so the stable track keeps all of its replicas at every weight (and its autoscaler), and the canary
 * runs `canaryReplicas` at every weight while its tag is set. No step then starts or stops a pod: a step changes
 * the route alone, so none (100 back to 0 included) can send traffic to a track whose pods are not ready yet or
 * are going away. At 100 the canary's replicas carry all the traffic.
 */
export function routedReplicas(replicas: number, weight: number, canaryReplicas: number): ReplicaSplit {
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be a positive integer, got ${replicas}`);
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new RangeError(`weight must be an integer in 0..100, got ${weight}`);
  if (!Number.isInteger(canaryReplicas) || canaryReplicas < 1) throw new RangeError(`canary replicas must be a positive integer, got ${canaryReplicas}`);
  return { stable: replicas, canary: canaryReplicas, requestedWeight: weight, effectiveWeight: weight };
}
