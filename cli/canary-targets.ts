// Where a release reads the canary's own metrics: each canary replica's /metrics, scraped one by one, never through
// the traffic entry (which mixes the tracks). Docker: the containers' addresses on the environment's network.
// Kubernetes: each ready canary pod through `kubectl port-forward` (a tunnel the API server and the kubelet open into
// the pod: the namespace's NetworkPolicies stay as they are, admitting only the traffic entry and the namespace).
import { spawn } from "child_process";
import * as os from "os";
import * as path from "path";
import { Environment, HttpServiceSettings } from "../settings";
import { combine, parseMetrics, Sample, scrape } from "./canary-analysis";
import { capture, CommandError } from "./_processes";

/** The canary's replicas, open for scraping until closed. */
export interface CanaryTargets {
  /** The replicas' names (containers or pods). */
  readonly names: readonly string[];
  /** One scrape of every replica, summed. */
  sample(): Promise<Sample>;
  /** Ends what was opened to reach them. */
  close(): void;
}

const sampleOf = (addresses: readonly string[]) => async (): Promise<Sample> => combine(await Promise.all(addresses.map(async (address) => parseMetrics(await scrape(address)))));

/** The canary containers of a Docker environment, by their addresses on its network. */
function dockerCanary(spec: Environment, service: HttpServiceSettings): CanaryTargets {
  const docker = (...args: string[]) => capture("docker", ["-H", spec.target.docker.host, ...args], { quiet: true });
  const prefix = `${spec.namespace}-${service.name}-canary-`;
  const names = docker("ps", "--filter", `name=^/${prefix}`, "--filter", "label=track=canary", "--format", "{{.Names}}").split("\n").filter(Boolean);
  const addresses = names.map((name) => `${docker("inspect", "-f", `{{(index .NetworkSettings.Networks "${spec.namespace}").IPAddress}}`, name).trim()}:${service.port}`);
  return { names, sample: sampleOf(addresses), close: () => undefined };
}

/** kubectl on the environment's cluster, as its settings name it. */
export function kubectlArgs(spec: Environment, args: readonly string[]): string[] {
  const configPath = spec.target.kubernetes.configPath.replace(/^~(?=\/|$)/, os.homedir());
  return ["--kubeconfig", path.resolve(configPath), "--context", spec.target.kubernetes.context, "--request-timeout=20s", ...args];
}

const FORWARDING = /Forwarding from 127\.0\.0\.1:(\d+)/;
const FORWARD_WAIT_MS = 20_000;

/** `kubectl port-forward` to one pod's port on 127.0.0.1; resolves with the local address once it listens. */
function portForward(spec: Environment, pod: string, port: number, env: NodeJS.ProcessEnv): Promise<{ address: string; stop: () => void }> {
  const child = spawn("kubectl", kubectlArgs(spec, ["-n", spec.namespace, "port-forward", "--address", "127.0.0.1", `pod/${pod}`, `:${port}`]), { env, stdio: ["ignore", "pipe", "pipe"] });
  let seen = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new CommandError(`kubectl port-forward to ${spec.namespace}/${pod}:${port} did not listen within ${FORWARD_WAIT_MS / 1000} s: ${seen.trim()}`));
    }, FORWARD_WAIT_MS);
    const read = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = FORWARDING.exec(seen);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ address: `127.0.0.1:${match[1]}`, stop: () => child.kill("SIGTERM") });
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new CommandError(`kubectl could not start (${error.message})`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new CommandError(`kubectl port-forward to ${spec.namespace}/${pod}:${port} ended (exit ${code}): ${seen.trim()}`));
    });
  });
}

/** The ready canary pods of a Kubernetes environment, each through a port-forward of its own. */
async function kubernetesCanary(spec: Environment, service: HttpServiceSettings, env: NodeJS.ProcessEnv): Promise<CanaryTargets> {
  const listed = JSON.parse(capture("kubectl", kubectlArgs(spec, ["-n", spec.namespace, "get", "pods", "-l", `app.kubernetes.io/name=${service.name},track=canary`, "-o", "json"]), { env, quiet: true })) as {
    items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status: { conditions?: Array<{ type: string; status: string }> } }>;
  };
  const names = listed.items
    .filter((pod) => pod.metadata.deletionTimestamp === undefined && pod.status.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True"))
    .map((pod) => pod.metadata.name);
  const forwards: Array<{ address: string; stop: () => void }> = [];
  try {
    for (const name of names) forwards.push(await portForward(spec, name, service.port, env));
  } catch (error) {
    for (const forward of forwards) forward.stop();
    throw error;
  }
  return { names, sample: sampleOf(forwards.map((forward) => forward.address)), close: () => forwards.forEach((forward) => forward.stop()) };
}

/** The canary's replicas of the environment's service, on its platform. */
export async function canaryTargets(spec: Environment, service: HttpServiceSettings, platform: "kubernetes" | "docker", env: NodeJS.ProcessEnv): Promise<CanaryTargets> {
  return platform === "kubernetes" ? kubernetesCanary(spec, service, env) : dockerCanary(spec, service);
}
