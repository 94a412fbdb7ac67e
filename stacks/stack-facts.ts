// What a synthesized stack knows about itself, written beside its cdk.tf.json (stack.json) so that every command
// and script reads the facts instead of working them out again from the Terraform JSON.
import * as fs from "fs";
import * as path from "path";
import { backendOf, BackendConfig, Environment, Platform } from "../settings";
import { EnvironmentStack } from "./environment-stack";
import { secretFiles, variableName } from "./secret-variables";
import { tracksOf } from "./release-state";

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
   * Address of the resource holding the traffic routes (Docker: the proxy config's loader, which depends on every
   * container it routes to). A release applies it first (`-target`), bringing up and routing to what is new, and
   * removes what is no longer routed to in a second apply. @default - none (Kubernetes, or no ingress)
   */
  readonly routes?: string;
  /**
   * Where its HTTP services answer from this machine: by host, through the cluster's traffic entry (port 80, as
   * scripts/cluster.sh maps it) or the Docker ingress proxy's port. Names under .localhost resolve to 127.0.0.1.
   */
  readonly urls: readonly string[];
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
    urls: urlsOf(spec, stack.platform),
    ...(stack.routes !== undefined ? { routes: stack.routes } : {}),
  };
}

function urlsOf(spec: Environment, platform: Platform): string[] {
  const port = platform === "docker" ? `:${spec.target.docker.ingressPort}` : "";
  return spec.services.flatMap((service) => {
    if (service.kind !== "http" || service.ingress === undefined) return [];
    // Plain HTTP: the traffic entry's `web` entry point serves every route, TLS ones too (their certificate is the
    // cluster's: a Secret the settings name); the Docker proxy serves plain HTTP.
    const { host, path: prefix } = service.ingress;
    return [`http://${host}${port}${prefix}`];
  });
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
