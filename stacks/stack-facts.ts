// What a synthesized stack knows about itself, written beside its cdk.tf.json (stack.json) so that every command
// and script reads the facts instead of working them out again from the Terraform JSON.
import * as fs from "fs";
import * as path from "path";
import { backendOf, BackendConfig, Environment, Platform } from "../settings";
import { EnvironmentStack } from "./environment-stack";
import { secretFiles, variableName } from "./secret-variables";
import { failsAProbe, Misbehaviour } from "../model/app-contract";
import { tracksOf, weighsRequests } from "./release-state";

/** The file, in each stack's folder of the synth output. */
export const STACK_FACTS_FILE = "stack.json";

export interface StackFacts {
  /** The stack (environment) name. */
  readonly stack: string;
  /** Where it deploys. */
  readonly platform: Platform;
  /** Protected in the settings: destroy needs ALLOW_DESTROY, and no secret is ever generated for it. */
  readonly protected: boolean;
  /** Terraform refuses to destroy its namespace-level objects (protected, and ALLOW_DESTROY does not name it). */
  readonly preventDestroy: boolean;
  /** The sensitive variables Terraform needs a value for, and the environment variable each is read from. */
  readonly secretVariables: ReadonlyArray<{ readonly variable: string; readonly env: string }>;
  /** Secrets read from files: the variable naming the file (TF_VAR_<variable> overrides it) and the settings path. */
  readonly secretFiles: ReadonlyArray<{ readonly variable: string; readonly path: string }>;
  /** Where its state is, as Terraform records it. */
  readonly backend: BackendConfig;
  /** How Terraform reaches the target: the kubeconfig file and context, or the Docker engine's address. */
  readonly connection: { readonly kubeconfig: string; readonly context: string } | { readonly dockerHost: string };
  /** The images its workloads run (the tracks a gray release runs, the sidecars'): what a cluster's nodes must hold. */
  readonly images: readonly StackImage[];
  /**
   * Addresses of the resources holding the traffic routes (Kubernetes: each HTTPRoute, which depends on the tracks
   * it names; Docker: the proxy config's loader, which depends on every container it routes to). A deploy applies
   * them first (`-target`): what they route to is brought up and ready, then routed to; what lost its traffic goes
   * in a second apply, once the traffic entry answers with the new routes. Empty without a route (Ingress routing).
   */
  readonly routes: readonly string[];
  /**
   * Where its HTTP services answer from this machine: by host, through the cluster's traffic entry (port 80, as
   * scripts/cluster.sh maps it) or the Docker ingress proxy's port. Names under .localhost resolve to 127.0.0.1.
   */
  readonly urls: readonly string[];
  /** The same URLs with what must answer them once the stack is applied: what a deploy checks before it says so. */
  readonly served: readonly ServedUrl[];
}

/** A URL an HTTP service is served on through the traffic entry, and what answers it once the stack is applied. */
export interface ServedUrl {
  /** The service. */
  readonly service: string;
  /** The URL as printed. */
  readonly url: string;
  /** The Host header the entry routes by. */
  readonly host: string;
  /** The path asked for (the route's prefix). */
  readonly path: string;
  /** The entry's port on this machine (127.0.0.1). @default - the cluster's traffic entry: HTTP_HOST_PORT, or 80 */
  readonly port?: number;
  /** The revision the entry sets on every answer of the route (model/route-revision.ts). @default - none: Ingress routing */
  readonly revision?: string;
  /** The versions that may answer: the tracks the settings give requests to. */
  readonly versions: readonly string[];
  /** A track with requests answers some of them with 500 on purpose (the misbehaviour switch). */
  readonly errorsOnPurpose: boolean;
  /** A track with requests fails a probe on purpose: it may never answer, so nothing is checked. */
  readonly unreadyOnPurpose: boolean;
}

/** An image a stack runs. */
export interface StackImage {
  /** "repository:tag", as the pods name it. */
  readonly reference: string;
  /** The folder of this project it is built from (the settings' image.build). @default - prebuilt */
  readonly build?: string;
}

export function stackFacts(stack: EnvironmentStack): StackFacts {
  const { spec } = stack;
  const served = servedOf(stack);
  const envSources = spec.services.flatMap((service) => service.secrets.flatMap((secret) => (secret.from?.env === undefined ? [] : [secret.from.env])));
  return {
    stack: spec.name,
    platform: stack.platform,
    protected: spec.protected,
    preventDestroy: stack.preventDestroy,
    secretVariables: [...new Set(envSources)].sort().map((env) => ({ variable: variableName(env), env })),
    secretFiles: secretFiles(spec).map((file) => ({ variable: file.variable, path: file.path })),
    backend: backendOf(spec, stack.platform),
    connection: stack.platform === "kubernetes" ? { kubeconfig: spec.target.kubernetes.configPath, context: spec.target.kubernetes.context } : { dockerHost: spec.target.docker.host },
    images: imagesOf(spec, stack.platform),
    routes: [...new Set(stack.routes.flatMap((route) => route.addresses))],
    urls: served.map((url) => url.url),
    served,
  };
}

function servedOf(stack: EnvironmentStack): ServedUrl[] {
  const { spec, platform } = stack;
  const port = platform === "docker" ? spec.target.docker.ingressPort : undefined;
  return spec.services.flatMap((service) => {
    if (service.kind !== "http" || service.ingress === undefined) return [];
    // Plain HTTP: the traffic entry's `web` entry point serves every route, TLS ones too (their certificate is the
    // cluster's: a Secret the settings name); the Docker proxy serves plain HTTP.
    const { host, path: prefix } = service.ingress;
    const revision = stack.routes.find((route) => route.service === service.name)?.revision;
    const tracks = requestedTracks(spec, service, platform);
    return [
      {
        service: service.name,
        url: `http://${host}${port === undefined ? "" : `:${port}`}${prefix}`,
        host,
        path: prefix,
        ...(port === undefined ? {} : { port }),
        ...(revision === undefined ? {} : { revision }),
        versions: tracks.map((track) => track.version),
        errorsOnPurpose: tracks.some((track) => (track.misbehaviour?.errorPercent ?? 0) > 0),
        unreadyOnPurpose: tracks.some((track) => failsAProbe(track.misbehaviour)),
      },
    ];
  });
}

/** The tracks the settings give requests to: by weight behind a route or the Docker proxy, by replicas otherwise. */
function requestedTracks(spec: Environment, service: Environment["services"][number], platform: Platform): Array<{ version: string; misbehaviour?: Misbehaviour }> {
  const stable = { version: service.image.tag, misbehaviour: service.misbehave };
  const { canaryTag, canaryWeight, canaryMisbehave } = service.grayRelease;
  if (canaryTag === undefined) return [stable];
  const canary = { version: canaryTag, misbehaviour: canaryMisbehave };
  const split = tracksOf(spec, service, platform);
  const weighed = weighsRequests(spec, service, platform);
  const stableServes = weighed ? canaryWeight < 100 : split.stable > 0;
  const canaryServes = weighed ? canaryWeight > 0 : split.canary > 0;
  return [...(stableServes ? [stable] : []), ...(canaryServes ? [canary] : [])];
}

function imagesOf(spec: Environment, platform: Platform): StackImage[] {
  const images = spec.services.flatMap((service) => {
    const { canaryTag } = service.grayRelease;
    // Behind a Gateway route the stable track runs at every weight (the construct's routedReplicas).
    const split = tracksOf(spec, service, platform);
    const tags = [...(split.stable > 0 ? [service.image.tag] : []), ...(split.canary > 0 && canaryTag !== undefined ? [canaryTag] : [])];
    const build = service.image.build === undefined ? {} : { build: service.image.build };
    return [...tags.map((tag) => ({ reference: `${service.image.repository}:${tag}`, ...build })), ...service.sidecars.map((sidecar) => ({ reference: `${sidecar.image.repository}:${sidecar.image.tag}` }))];
  });
  return images.filter((image, index) => images.findIndex((other) => other.reference === image.reference) === index);
}

/** The facts of the stack synthesized into `stackDir`; an error names the folder when it holds none. */
export function readStackFacts(stackDir: string): StackFacts {
  const file = path.join(stackDir, STACK_FACTS_FILE);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as StackFacts;
  } catch (error) {
    throw new Error(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); synthesize the stack first`, { cause: error });
  }
}
