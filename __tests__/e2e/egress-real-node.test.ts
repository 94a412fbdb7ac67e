// The egress policies of an environment's namespace (IsolatedNamespace: deny all, then DNS, the namespace itself,
// the ingress controller and the settings' allow-list) proven on real pods: from a pod in staging, cluster DNS
// resolves, a destination the allow-list names answers, and one it does not name refuses while its name still
// resolves; the same destination answers a pod of a namespace without policies, so the refusal is staging's own.
//
// It needs a node that runs containers and a NetworkPolicy enforcer (scripts/cluster.sh's `local` provider, or
// kind with one). On a cluster whose nodes are kwok's fake ones (annotation kwok.x-k8s.io/node: fake) nothing
// runs, so the suite skips itself and says why. It brings the cluster of context kind-envapi up (idempotent) and
// takes it down again only when it started it.
//   E2E_EGRESS_NO_CLUSTER_UP=1  only look at a running cluster, never start one
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { environmentAfter } from "../../cli/_processes";
import { Environment, loadEnvironments } from "../../settings";
import { mustRun, ROOT, settingsCopy, sh, waitFor } from "./_e2e";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-egress-"));
const logs = path.join(work, "logs");
fs.mkdirSync(logs, { recursive: true });
const log = (name: string) => path.join(logs, `${name}.log`);
const out = path.join("cdktf.out", "e2e-egress");
// Two namespaces without policies, each serving the API's own image: staging's allow-list names one of them.
const ALLOWED = "e2e-egress-allowed";
const DENIED = "e2e-egress-denied";
const SERVER_PORT = 8080;

/** The cluster as the suite finds it: whether its nodes run containers, and why not. */
interface ClusterProbe {
  readonly env: NodeJS.ProcessEnv;
  readonly startedHere: boolean;
  readonly skipReason?: string;
}

/** Runs before the tests are declared (synchronously), so a cluster without a real node skips the whole suite. */
function probeCluster(): ClusterProbe {
  const run = (command: string, args: string[], env: NodeJS.ProcessEnv) => spawnSync(command, args, { cwd: ROOT, env, encoding: "utf8", timeout: 2400 * 1000 });
  let env = environmentAfter("scripts/toolchain.sh", process.env);
  const wasUp = run("scripts/cluster.sh", ["status"], env).status === 0;
  if (!wasUp && process.env.E2E_EGRESS_NO_CLUSTER_UP === "1") return { env, startedHere: false, skipReason: "no cluster is running and E2E_EGRESS_NO_CLUSTER_UP=1" };
  if (!wasUp) {
    const up = run("scripts/cluster.sh", ["up"], env);
    fs.writeFileSync(log("cluster-up"), `${up.stdout}${up.stderr}`);
    if (up.status !== 0) return { env, startedHere: false, skipReason: `scripts/cluster.sh up failed (log ${log("cluster-up")})` };
  }
  env = environmentAfter("scripts/cluster.sh", env);
  const nodes = run("kubectl", ["--context", env.CLUSTER_CONTEXT as string, "get", "nodes", "-o", "json"], env);
  if (nodes.status !== 0) return { env, startedHere: !wasUp, skipReason: `kubectl get nodes failed: ${nodes.stderr.trim()}` };
  const items = (JSON.parse(nodes.stdout) as { items: Array<{ metadata: { name: string; annotations?: Record<string, string> } }> }).items;
  const fake = items.filter((node) => node.metadata.annotations?.["kwok.x-k8s.io/node"] === "fake").map((node) => node.metadata.name);
  if (items.length === 0) return { env, startedHere: !wasUp, skipReason: "the cluster has no node" };
  if (fake.length > 0) {
    return { env, startedHere: !wasUp, skipReason: `the cluster's nodes are kwok's fake ones (${fake.join(", ")}: kwok.x-k8s.io/node=fake), which run no container; this suite runs on the local provider's real node` };
  }
  return { env, startedHere: !wasUp };
}

const probe = probeCluster();
if (probe.skipReason) {
  process.stderr.write(`\n[egress-real-node] SKIPPED: ${probe.skipReason}\n`);
  // Nothing will use a cluster started only to look at it.
  if (probe.startedHere) sh("scripts/cluster.sh", ["down"], { env: probe.env, logFile: log("cluster-down") });
}
const describeOnRealNode = probe.skipReason ? describe.skip : describe;
const suiteName = `egress policies on real pods${probe.skipReason ? ` (skipped: ${probe.skipReason})` : ""}`;

let env: NodeJS.ProcessEnv = probe.env;
let staging: Environment;

const kubectlArgs = (args: readonly string[]) => ["--context", env.CLUSTER_CONTEXT as string, "--request-timeout=20s", ...args];
const kubectl = (...args: string[]) => mustRun("kubectl", kubectlArgs(args), { env, timeoutSeconds: 60 });
const image = () => `${staging.services[0].image.repository}:${staging.services[0].image.tag}`;

/** A pod of the API's image (FROM scratch: its `healthcheck` subcommand is the client), admitted by Pod Security `restricted`. */
function apiPod(namespace: string, name: string): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { "app.kubernetes.io/name": name } },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name,
          image: image(),
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: SERVER_PORT }],
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

async function startPod(namespace: string, name: string, withService: boolean): Promise<void> {
  const objects: object[] = [apiPod(namespace, name)];
  if (withService) objects.push({ apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { selector: { "app.kubernetes.io/name": name }, ports: [{ port: SERVER_PORT, targetPort: "http" }] } });
  const manifest = path.join(work, `${namespace}-${name}.json`);
  fs.writeFileSync(manifest, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  kubectl("apply", "-f", manifest);
  await waitFor(`pod ${namespace}/${name} ready`, () => JSON.parse(kubectl("-n", namespace, "get", "pod", name, "-o", "json")).status.containerStatuses?.[0]?.ready === true, { timeoutSeconds: 90 });
}

/** A GET of `url` from inside `namespace/pod` with the API binary's healthcheck (exit 0 on a 2xx answer). */
function fetchFrom(namespace: string, pod: string, url: string): { exitCode: number | null; output: string } {
  const { status, output } = sh("kubectl", kubectlArgs(["-n", namespace, "exec", pod, "--", "/app", "healthcheck", "--url", url, "--timeout", "3s"]), { env, timeoutSeconds: 30 });
  return { exitCode: status, output };
}

/** Retries for at most 30 s: an enforcer learns a new pod's address a moment after it starts. */
const fetchAllowed = (namespace: string, pod: string, url: string) =>
  waitFor(`GET ${url} from ${namespace}/${pod}`, () => {
    const attempt = fetchFrom(namespace, pod, url);
    return attempt.exitCode === 0 && attempt;
  }, { timeoutSeconds: 30, intervalSeconds: 1 });

const serverUrl = (namespace: string) => `http://server.${namespace}.svc.cluster.local:${SERVER_PORT}/livez`;

describeOnRealNode(suiteName, () => {
  beforeAll(async () => {
    // staging, its state in the work folder, allowed to reach ALLOWED's pods on the server's port and nothing more.
    const kubeconfig = env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config");
    const settingsDir = settingsCopy(path.join(work, "settings"), {
      base: { target: { kubernetes: { configPath: kubeconfig, context: env.CLUSTER_CONTEXT } } },
      staging: { backend: { kind: "local", path: path.join(work, "state", "staging.tfstate") }, egress: [{ namespace: ALLOWED, ports: [{ port: SERVER_PORT }] }] },
    });
    staging = loadEnvironments(settingsDir).find((candidate) => candidate.name === "staging") as Environment;
    env = { ...env, SETTINGS_DIR: settingsDir, CDKTF_OUTDIR: out, TF_VAR_api_db_password: `e2e-${Math.random().toString(36).slice(2, 14)}`, ENVIRONMENTS: "", DEPLOY_TARGET: "" };
    fs.rmSync(path.join(ROOT, out), { recursive: true, force: true });
    mustRun("node", ["scripts/cli.js", "deploy", "staging"], { env, logFile: log("deploy-staging"), timeoutSeconds: 900 });
    for (const namespace of [ALLOWED, DENIED]) {
      sh("kubectl", kubectlArgs(["create", "namespace", namespace]), { env });
      await startPod(namespace, "server", true);
    }
    await startPod(staging.namespace, "client", false);
    await startPod(ALLOWED, "client", false);
  });

  afterAll(() => {
    for (const namespace of [ALLOWED, DENIED]) sh("kubectl", kubectlArgs(["delete", "namespace", namespace, "--ignore-not-found", "--wait=false"]), { env });
    if (staging) sh("node", ["scripts/cli.js", "destroy", "staging"], { env, logFile: log("destroy-staging"), timeoutSeconds: 300 });
    if (probe.startedHere) sh("scripts/cluster.sh", ["down"], { env, logFile: log("cluster-down") });
  });

  test("staging's namespace denies egress by default and allows DNS, itself, the traffic entry and its allow-list", () => {
    const policies = JSON.parse(kubectl("-n", staging.namespace, "get", "networkpolicies", "-o", "json")).items.map((policy: { metadata: { name: string } }) => policy.metadata.name);
    expect(policies).toEqual(expect.arrayContaining(["deny-all-egress", "allow-dns", "allow-same-namespace-egress", "allow-ingress-controller-egress", "allow-egress"]));
  });

  test("DNS still resolves from staging: the API's Service by its cluster name answers (DNS, then the namespace itself)", async () => {
    const url = `http://${staging.services[0].name}.${staging.namespace}.svc.cluster.local/readyz`;
    expect((await fetchAllowed(staging.namespace, "client", url)).output).toContain(`healthy: ${url} returned 200 OK`);
  });

  test("allowed egress works: the namespace the allow-list names answers", async () => {
    const url = serverUrl(ALLOWED);
    expect((await fetchAllowed(staging.namespace, "client", url)).output).toContain(`healthy: ${url} returned 200 OK`);
  });

  test("denied egress fails: a namespace the allow-list does not name refuses, though its name resolves", async () => {
    const url = serverUrl(DENIED);
    // The destination is up and open: a pod of a namespace without policies reaches it.
    expect((await fetchAllowed(ALLOWED, "client", url)).output).toContain(`healthy: ${url} returned 200 OK`);
    // Every attempt, not just the first: a refusal must not be the enforcer catching up.
    for (let attempt = 0; attempt < 3; attempt++) {
      const denied = fetchFrom(staging.namespace, "client", url);
      expect(denied.exitCode).toBe(1);
      expect(denied.output).toContain("unhealthy:");
      // DNS answered (no "no such host"): what failed is the connection, which staging's egress policy refused.
      expect(denied.output).not.toContain("no such host");
    }
  });

  // KNOWN HOLE (issue "Holes found by trying to break in", item 5), kept as a failing test so the day it closes this
  // flips: with the API server moved to 6443, outside the node-port range kube-router admits before any policy, a
  // pod of staging (egress denied but for DNS, itself and the traffic entry's web port) still reached the API server
  // by its Service (https://kubernetes.default.svc, measured once on the local node); the path it takes is not found.
  test.failing("no pod of staging reaches the API server (by Service or address), the kubelet, or a port of the traffic entry but its web port", async () => {
    // GIVEN the node's address, the API server's port (outside the node-port range) and Traefik's pod
    const node = JSON.parse(kubectl("get", "nodes", "-o", "json")).items[0] as { status: { addresses: Array<{ type: string; address: string }> } };
    const nodeIp = node.status.addresses.find((address) => address.type === "InternalIP")?.address as string;
    const apiPort = /:(\d+)$/.exec(JSON.parse(kubectl("config", "view", "--minify", "-o", "json")).clusters[0].cluster.server as string)?.[1] as string;
    const traefik = JSON.parse(kubectl("-n", "traefik", "get", "pods", "-o", "json")).items[0] as { status: { podIP: string } };
    const closed = {
      "the API server by its Service": "https://kubernetes.default.svc/version",
      "the API server by address": `https://${nodeIp}:${apiPort}/version`,
      "the kubelet": `https://${nodeIp}:10250/healthz`,
      "the traffic entry's metrics and ping port": `http://${traefik.status.podIP}:9000/ping`,
    };
    // A connection that was made answers something (TLS refuses the certificate, or an HTTP status); a refused one times out.
    const reached = (output: string) => /x509|certificate|tls|returned \d{3}|healthy/.test(output) && !/deadline exceeded|timeout/i.test(output);
    for (const [what, url] of Object.entries(closed)) {
      // THEN a pod without policies reaches each (so the refusal below is staging's own)
      await waitFor(`${what} from ${ALLOWED}/client`, () => reached(fetchFrom(ALLOWED, "client", url).output), { timeoutSeconds: 30, intervalSeconds: 1 });
      // AND staging's pod does not, every time
      for (let attempt = 0; attempt < 2; attempt++) {
        const attemptOutput = fetchFrom(staging.namespace, "client", url).output;
        expect({ what, reached: reached(attemptOutput), output: attemptOutput.trim().split("\n").at(-1) }).toMatchObject({ what, reached: false });
      }
    }
    // AND the traffic entry's web port does answer staging's pod (Traefik's own 404 for an unknown host)
    const web = `http://${traefik.status.podIP}:8000/`;
    await waitFor(`the traffic entry's web port from staging`, () => reached(fetchFrom(staging.namespace, "client", web).output), { timeoutSeconds: 30, intervalSeconds: 1 });
  });
});
