// Where a release reads the canary's own metrics, never through the traffic entry (which mixes the tracks).
// `direct`: each canary replica's /metrics, scraped one by one: Docker, the containers' addresses on the
// environment's network; Kubernetes, each ready canary pod through `kubectl port-forward` (a tunnel the API server and
// the kubelet open into the pod). `prometheus`: a private Prometheus (cli/prometheus.ts) scraping every replica of both
// tracks by its own address (a pod's IP: the cluster's pod network must be reachable from where the command runs,
// as on the local provider's node) and queried for the canary's series.
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Environment, HttpServiceSettings } from "../settings";
import { combine, parseMetrics, Sample, scrape } from "./canary-analysis";
import { PrometheusServer, ScrapeTarget } from "./prometheus";
import { capture, CommandError, run } from "./_processes";

/** The canary's replicas, open for scraping until closed. */
export interface CanaryTargets {
  /** The replicas' names (containers or pods). */
  readonly names: readonly string[];
  /** Where their metrics are read, for the log. */
  readonly source: string;
  /** One scrape of every replica, summed. */
  sample(): Promise<Sample>;
  /** Ends what was opened to reach them. */
  close(): void;
}

const sampleOf = (addresses: readonly string[]) => async (): Promise<Sample> => combine(await Promise.all(addresses.map(async (address) => parseMetrics(await scrape(address)))));

/** The running replicas of both tracks of a Docker environment's service, by their addresses on its network. */
function dockerReplicas(spec: Environment, service: HttpServiceSettings): ScrapeTarget[] {
  const docker = (...args: string[]) => capture("docker", ["-H", spec.target.docker.host, ...args], { quiet: true });
  return (["stable", "canary"] as const).flatMap((track) => {
    // Stable containers are <namespace>-<service>-<n>, canary ones <namespace>-<service>-canary-<n>: the label tells them apart.
    const prefix = `${spec.namespace}-${service.name}-`;
    const names = docker("ps", "--filter", `name=^/${prefix}`, "--filter", `label=track=${track}`, "--format", "{{.Names}}").split("\n").filter(Boolean);
    return names.map((name) => ({ replica: name, track, address: `${docker("inspect", "-f", `{{(index .NetworkSettings.Networks "${spec.namespace}").IPAddress}}`, name).trim()}:${service.port}` }));
  });
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

/** The ready pods of both tracks of a Kubernetes environment's service, by their pod IPs. */
function kubernetesReplicas(spec: Environment, service: HttpServiceSettings, env: NodeJS.ProcessEnv): ScrapeTarget[] {
  const listed = JSON.parse(capture("kubectl", kubectlArgs(spec, ["-n", spec.namespace, "get", "pods", "-l", `app.kubernetes.io/name=${service.name}`, "-o", "json"]), { env, quiet: true })) as {
    items: Array<{ metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }; status: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }>;
  };
  return listed.items
    .filter((pod) => pod.metadata.deletionTimestamp === undefined && pod.status.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True"))
    .filter((pod) => pod.metadata.labels?.track === "stable" || pod.metadata.labels?.track === "canary")
    .map((pod) => ({ replica: pod.metadata.name, track: pod.metadata.labels?.track as "stable" | "canary", address: `${pod.status.podIP}:${service.port}` }));
}

/** The ready canary pods of a Kubernetes environment, each through a port-forward of its own. */
async function kubernetesCanary(spec: Environment, service: HttpServiceSettings, env: NodeJS.ProcessEnv): Promise<CanaryTargets> {
  const names = kubernetesReplicas(spec, service, env).filter((replica) => replica.track === "canary").map((replica) => replica.replica);
  const forwards: Array<{ address: string; stop: () => void }> = [];
  try {
    for (const name of names) forwards.push(await portForward(spec, name, service.port, env));
  } catch (error) {
    for (const forward of forwards) forward.stop();
    throw error;
  }
  return { names, source: "their own /metrics through kubectl port-forward", sample: sampleOf(forwards.map((forward) => forward.address)), close: () => forwards.forEach((forward) => forward.stop()) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Both tracks' replicas in a private Prometheus, which the canary's samples are read from. */
async function throughPrometheus(replicas: readonly ScrapeTarget[], env: NodeJS.ProcessEnv): Promise<CanaryTargets> {
  run("scripts/prometheus.sh", ["install"], { env });
  const server = await PrometheusServer.start(fs.mkdtempSync(path.join(os.tmpdir(), "envapi-prometheus-")), await freePort(), replicas, env);
  try {
    const names = replicas.filter((replica) => replica.track === "canary").map((replica) => replica.replica);
    await server.waitScraped(names);
    return { names, source: `Prometheus at ${server.url} (scraping ${replicas.map((replica) => `${replica.replica} ${replica.address}`).join(", ")})`, sample: () => server.canarySample(), close: () => server.stop() };
  } catch (error) {
    server.stop();
    throw error;
  }
}

/** The canary's replicas of the environment's service, on its platform, read as grayRelease.analysis.source says. */
export async function canaryTargets(spec: Environment, service: HttpServiceSettings, platform: "kubernetes" | "docker", env: NodeJS.ProcessEnv): Promise<CanaryTargets> {
  if (service.grayRelease.analysis.source === "prometheus") {
    return throughPrometheus(platform === "kubernetes" ? kubernetesReplicas(spec, service, env) : dockerReplicas(spec, service), env);
  }
  if (platform === "kubernetes") return kubernetesCanary(spec, service, env);
  const names = dockerReplicas(spec, service).filter((replica) => replica.track === "canary");
  return { names: names.map((replica) => replica.replica), source: "their own /metrics", sample: sampleOf(names.map((replica) => replica.address)), close: () => undefined };
}
