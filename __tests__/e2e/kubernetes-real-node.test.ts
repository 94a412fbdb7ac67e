// End to end on real pods: staging deployed with the project's command line (which builds the API's image and
// loads it into the node) to a cluster whose node runs containers (scripts/cluster.sh: the local provider's
// kubelet, containerd and CNI here, kind where it runs), then checked through the API server and from inside the
// cluster: pods Running and Ready because their readiness probe passed, the API answering, its environment from
// the ConfigMap and the Secret, cluster DNS, and the namespace's NetworkPolicies enforced.
//   E2E_REUSE_CLUSTER=1  reuse a running cluster (default: a fresh one)   E2E_KEEP_CLUSTER=1  leave it running
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { environmentAfter } from "../../cli/_processes";
import { Environment, loadEnvironments } from "../../settings";
import { get, mustRun, settingsCopy, sh, Timings, waitFor } from "./_e2e";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-real-node-"));
const logs = path.join(work, "logs");
const out = path.join("cdktf.out", "e2e-real-node");
const password = `e2e-${Math.random().toString(36).slice(2, 14)}`;
// A namespace with no policies of its own: a connection from it is refused only by the target's ingress policy.
const outside = "e2e-outside";
const timings = new Timings();
const { timed, timedAsync } = timings;
let env: NodeJS.ProcessEnv = process.env;
let staging: Environment;
let clusterStarted = false;

const log = (name: string) => path.join(logs, `${name}.log`);

const kubectlArgs = (args: readonly string[]) => ["--context", env.CLUSTER_CONTEXT as string, "--request-timeout=20s", ...args];
/** kubectl on the test's cluster; `-o json` output parsed. */
function kc(...args: string[]): any {
  return JSON.parse(mustRun("kubectl", kubectlArgs([...args, "-o", "json"]), { env, timeoutSeconds: 60 }));
}

/**
 * A client pod in `namespace`: the API's own image (FROM scratch: no shell, no curl), hardened so Pod Security
 * `restricted` admits it, running the server as something to exec into. Waits until it runs.
 */
async function startClient(namespace: string): Promise<string> {
  const name = "e2e-client";
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { "app.kubernetes.io/name": "e2e-client" } },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "client",
          image: `${staging.services[0].image.repository}:${staging.services[0].image.tag}`,
          imagePullPolicy: "IfNotPresent",
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
  const manifest = path.join(work, `client-${namespace}.json`);
  fs.writeFileSync(manifest, JSON.stringify(pod));
  mustRun("kubectl", kubectlArgs(["apply", "-f", manifest]), { env });
  await waitFor(`pod ${namespace}/${name} running`, () => kc("-n", namespace, "get", "pod", name).status.containerStatuses?.[0]?.state?.running, { timeoutSeconds: 60 });
  return name;
}

/** A GET of `url` from inside the client pod, with the API binary's `healthcheck` (exit 0 on a 2xx answer). */
function fetchFrom(namespace: string, pod: string, url: string): { exitCode: number | null; output: string } {
  const { status, output } = sh("kubectl", kubectlArgs(["-n", namespace, "exec", pod, "--", "/app", "healthcheck", "--url", url, "--timeout", "3s"]), { env, timeoutSeconds: 30 });
  return { exitCode: status, output };
}

/**
 * Retries until the GET succeeds, for at most 30 s: an enforcer learns a new pod's address a moment after it
 * starts, so a policy that allows it may not yet know it.
 */
const fetchAllowed = (namespace: string, pod: string, url: string) =>
  waitFor(`GET ${url} from ${namespace}/${pod} to succeed`, () => {
    const attempt = fetchFrom(namespace, pod, url);
    return attempt.exitCode === 0 && attempt;
  }, { timeoutSeconds: 30, intervalSeconds: 1 });

/** `kubectl port-forward` to the Service on 127.0.0.1, stopped when `use` ends. */
async function throughPortForward<T>(namespace: string, target: string, port: number, use: (localPort: number) => Promise<T>): Promise<T> {
  const child: ChildProcess = spawn("kubectl", kubectlArgs(["-n", namespace, "port-forward", "--address", "127.0.0.1", target, `:${port}`]), { env, stdio: ["ignore", "pipe", "pipe"] });
  let seen = "";
  child.stdout?.on("data", (chunk: Buffer) => (seen += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (seen += chunk.toString()));
  try {
    const localPort = await waitFor("kubectl port-forward listening", () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(seen)?.[1] ?? 0) || false, { timeoutSeconds: 30, intervalSeconds: 0.5, describe: () => seen });
    return await use(localPort);
  } finally {
    child.kill("SIGTERM");
  }
}

describe("Kubernetes target on real pods, end to end", () => {
  beforeAll(() => {
    fs.mkdirSync(logs, { recursive: true });
    // The Docker engine builds the API's images (and the node's own, once).
    mustRun("scripts/toolchain.sh", ["all"], { logFile: log("toolchain"), timeoutSeconds: 2400 });
    env = environmentAfter("scripts/toolchain.sh", process.env);
    if (process.env.E2E_REUSE_CLUSTER !== "1") mustRun("scripts/cluster.sh", ["down"], { env, logFile: log("cluster-down-before") });
    clusterStarted = true;
    timed("cluster up", () => mustRun("scripts/cluster.sh", ["up"], { env, logFile: log("cluster-up"), timeoutSeconds: 2400 }));
    env = environmentAfter("scripts/cluster.sh", env);
    const kubeconfig = env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config");
    // The stacks point at this cluster, and keep their state in the work folder.
    const settingsDir = settingsCopy(path.join(work, "settings"), {
      base: { target: { kubernetes: { configPath: kubeconfig, context: env.CLUSTER_CONTEXT } } },
      staging: { backend: { kind: "local", path: path.join(work, "state", "staging.tfstate") } },
    });
    staging = loadEnvironments(settingsDir).find((candidate) => candidate.name === "staging") as Environment;
    env = { ...env, SETTINGS_DIR: settingsDir, CDKTF_OUTDIR: out, TF_VAR_api_db_password: password, ENVIRONMENTS: "", DEPLOY_TARGET: "" };
    fs.rmSync(out, { recursive: true, force: true });
  });

  afterAll(() => {
    sh("kubectl", kubectlArgs(["delete", "namespace", outside, "--ignore-not-found", "--wait=false"]), { env });
    if (staging) sh("node", ["scripts/cli.js", "destroy", "staging"], { env, logFile: log("destroy-staging"), timeoutSeconds: 300 });
    if (clusterStarted && process.env.E2E_KEEP_CLUSTER !== "1") sh("scripts/cluster.sh", ["down"], { env, logFile: log("cluster-down") });
    process.stderr.write(timings.report(`Real-pod timings (logs in ${logs})`));
  });

  test("the cluster's node is real: a kubelet of the control plane's version on containerd", () => {
    const nodes = kc("get", "nodes").items;
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
      expect(node.status.nodeInfo.kubeletVersion).toBe(kc("version").serverVersion.gitVersion);
      expect(node.metadata.annotations?.["kwok.x-k8s.io/node"]).toBeUndefined();
      expect(node.status.conditions.find((condition: any) => condition.type === "Ready").status).toBe("True");
    }
  });

  test("`npm run deploy -- staging` builds and loads its images and rolls out pods that run and pass their readiness probe", async () => {
    // The command line builds the stack's images and loads them into the node (scripts/cluster.sh load) first.
    timed("deploy staging (cli: images, apply, rollout)", () => mustRun("node", ["scripts/cli.js", "deploy", "staging"], { env, logFile: log("deploy-staging"), timeoutSeconds: 900 }));
    const api = staging.services[0];
    const ns = staging.namespace;
    await timedAsync("pods ready", () =>
      waitFor(`${api.replicas} pods of ${ns}/${api.name} Running and Ready`, () => {
        const pods = kc("-n", ns, "get", "pods", "-l", `app.kubernetes.io/name=${api.name}`).items;
        return pods.length === api.replicas && pods.every((pod: any) => pod.status.phase === "Running" && pod.status.conditions?.some((condition: any) => condition.type === "Ready" && condition.status === "True")) && pods;
      }, { timeoutSeconds: 180 }),
    );
    for (const pod of kc("-n", ns, "get", "pods", "-l", `app.kubernetes.io/name=${api.name}`).items) {
      const [container] = pod.status.containerStatuses;
      // A container the runtime started from the image the settings name, not a status a fake node wrote.
      expect(container).toMatchObject({ ready: true, started: true, image: expect.stringContaining(`${api.image.repository}:${api.image.tag}`) });
      expect(container.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(container.imageID).toMatch(/sha256:[0-9a-f]{64}/);
      expect(container.state.running.startedAt).toBeDefined();
      expect(pod.spec.containers[0].readinessProbe.httpGet.path).toBe((api.probes.readiness.check as { path: string }).path);
      expect(pod.status.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
  });

  test("/readyz, /version and /config answer through the Service: the environment from the ConfigMap and the Secret", async () => {
    const api = staging.services[0];
    await throughPortForward(staging.namespace, `service/${api.name}`, 80, async (port) => {
      const host = api.ingress?.host ?? "localhost";
      expect((await get(port, host, "/readyz")).status).toBe(200);
      const version = await get(port, host, "/version");
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body).version).toBe(api.image.tag);
      const config = JSON.parse((await get(port, host, "/config")).body);
      expect(config).toMatchObject({ environment: staging.name, greeting: api.config.GREETING, log_level: api.config.LOG_LEVEL });
      // Only presence is ever shown: the value came from the Secret the variable filled.
      expect(config.secrets).toEqual(Object.fromEntries(api.secrets.map((secret) => [secret.name, "set"])));
    });
    expect(Buffer.from(kc("-n", staging.namespace, "get", "secret", "api-secrets").data.DB_PASSWORD, "base64").toString()).toBe(password);
  });

  test("from a pod in the namespace, the Service's DNS name resolves and /readyz answers (allowed by allow-same-namespace)", async () => {
    const url = `http://${staging.services[0].name}.${staging.namespace}.svc.cluster.local/readyz`;
    const client = await timedAsync("client pod in the namespace", () => startClient(staging.namespace));
    const inside = await timedAsync("GET from the namespace", () => fetchAllowed(staging.namespace, client, url));
    expect(inside.output).toContain(`healthy: ${url} returned 200 OK`);
  });

  test("from another namespace the name resolves but the NetworkPolicy refuses the connection, until a policy allows it", async () => {
    mustRun("kubectl", kubectlArgs(["create", "namespace", outside]), { env });
    const client = await startClient(outside);
    const url = `http://${staging.services[0].name}.${staging.namespace}.svc.cluster.local/readyz`;
    // Every attempt, not just the first: a refusal must not be the enforcer catching up.
    for (let attempt = 0; attempt < 3; attempt++) {
      const denied = fetchFrom(outside, client, url);
      expect(denied.exitCode).toBe(1);
      expect(denied.output).toContain("unhealthy:");
      // DNS answered (no "no such host"): what failed is the connection.
      expect(denied.output).not.toContain("no such host");
    }
    // The same client gets through once a policy names its namespace: the policies are what refused it.
    const allow = path.join(work, "allow-outside.json");
    fs.writeFileSync(allow, JSON.stringify({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "e2e-allow-outside", namespace: staging.namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": outside } } }] }] },
    }));
    mustRun("kubectl", kubectlArgs(["apply", "-f", allow]), { env });
    try {
      const allowed = await timedAsync("GET from another namespace, allowed", () => fetchAllowed(outside, client, url));
      expect(allowed.output).toContain(`healthy: ${url} returned 200 OK`);
    } finally {
      mustRun("kubectl", kubectlArgs(["delete", "-f", allow]), { env });
    }
  });
});
