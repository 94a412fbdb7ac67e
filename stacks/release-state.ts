// What a gray release runs for one service, from its settings and the target: the replica split the constructs
// make, and the canary's share of requests, which a release step changes and a plan shows (the stack's
// `gray_release_<service>` output).
import { ReplicaSplit, routedReplicas, splitReplicas } from "../model/gray-release";
import { Environment, Platform } from "../settings";

type Service = Environment["services"][number];

/** Whether a Gateway API route splits the service's traffic by weight (else replicas do, or the Docker proxy). */
export function routedByGateway(spec: Environment, service: Service, platform: Platform): boolean {
  return platform === "kubernetes" && spec.ingressController.routing === "gateway" && service.kind === "http" && service.ingress !== undefined;
}

/** Whether the service's requests are split by weight (a Gateway route, the Docker proxy), not by replicas. */
export function weighsRequests(spec: Environment, service: Service, platform: Platform): boolean {
  return platform === "docker" || routedByGateway(spec, service, platform);
}

/** The service's tracks, as the constructs run them: a canary only while its tag is set. */
export function tracksOf(spec: Environment, service: Service, platform: Platform): ReplicaSplit {
  const { canaryTag, canaryWeight, canaryReplicas } = service.grayRelease;
  const weight = canaryTag === undefined ? 0 : canaryWeight;
  return routedByGateway(spec, service, platform) ? routedReplicas(service.replicas, weight, canaryReplicas) : splitReplicas(service.replicas, weight);
}

/**
 * The release state of a service with a canary tag, in words: the canary's share of requests (exact behind a Gateway
 * route and the Docker proxy, which weigh requests; the share of pods under Ingress routing) and the tags.
 * @returns undefined when the service has no canary tag
 */
export function releaseState(spec: Environment, service: Service, platform: Platform): string | undefined {
  const { canaryTag } = service.grayRelease;
  if (canaryTag === undefined) return undefined;
  const split = tracksOf(spec, service, platform);
  const share = weighsRequests(spec, service, platform) ? split.requestedWeight : split.effectiveWeight;
  return `canary ${canaryTag} at ${share}% of requests, stable ${service.image.tag}`;
}
