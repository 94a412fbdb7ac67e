// End to end on real pods: dev, staging and prod deployed with the project's command line (which builds the API's
// images and loads them into the node) to a cluster whose node runs containers (scripts/cluster.sh: the local
// provider's kubelet, containerd and CNI here, kind where it runs), then checked through the cluster's traffic entry
// (Traefik, installed by the cluster step, on 127.0.0.1 by each environment's host) and from inside the cluster:
// pods Running and Ready because their readiness probe passed, the environment from the ConfigMap and the Secret,
// cluster DNS, NetworkPolicies and Pod Security enforced, readiness gating traffic, liveness restarting, a config
// change rolling the pods, a canary's share of real traffic, a no-op plan, and a destroy that leaves nothing.
//   E2E_REUSE_CLUSTER=1  reuse a running cluster (default: a fresh one)   E2E_KEEP_CLUSTER=1  leave it running
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { environmentAfter } from "../../cli/_processes";
import { splitReplicas } from "../../model/gray-release";
import { Environment, loadEnvironments } from "../../settings";
import { cpuHog, get, mustRun, patchSettings, settingsCopy, sh, Timings, waitFor } from "./_e2e";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-real-node-"));
const logs = path.join(work, "logs");
const out = path.join("cdktf.out", "e2e-real-node");
const password = `e2e-${Math.random().toString(36).slice(2, 14)}`;
// A namespace with no policies of its own: a connection from it is refused only by the target's ingress policy.
const outside = "e2e-outside";
const timings = new Timings();
const { timed, timedAsync } = timings;
// The host port of the traffic entry's `web` entry point (scripts/traffic-entry.sh).
const entryPort = Number(process.env.HTTP_HOST_PORT || 80);
const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
let env: NodeJS.ProcessEnv = process.env;
let settingsDir: string;
let environments: Map<string, Environment>;
let staging: Environment;
let clusterStarted = false;
let hog: ReturnType<typeof cpuHog> = { hogs: 0, stop: () => undefined };

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

/** The settings as the stacks read them now. */
function readSettings(): void {
  environments = new Map(loadEnvironments(settingsDir).map((environment) => [environment.name, environment]));
  staging = environments.get("staging") as Environment;
}

/** Changes staging's settings (merged as the settings layer merges) and deploys it with the command line. */
function deployStaging(what: string, patch: Record<string, unknown>): void {
  patchSettings(settingsDir, { staging: { services: [{ name: "api", ...patch }] } });
  readSettings();
  timed(`deploy staging: ${what}`, () => mustRun("node", ["scripts/cli.js", "deploy", "staging"], { env, logFile: log(`deploy-staging-${what.replace(/\W+/g, "-")}`), timeoutSeconds: 900 }));
}

function holdsResources(stateFile: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(stateFile, "utf8")).resources ?? []).length > 0;
  } catch {
    return false;
  }
}

/** A GET through the cluster's traffic entry, by the environment's host, as a browser on this machine sends it. */
const throughEntry = (host: string, urlPath: string) => get(entryPort, host, urlPath);

/** `count` GETs of / through the traffic entry, one after another: which version and which pod answered each. */
async function answers(host: string, count: number): Promise<Array<{ status: number; version?: string; instance?: string }>> {
  const seen = [];
  for (let i = 0; i < count; i++) {
    const { status, body } = await throughEntry(host, "/");
    seen.push(status === 200 ? { status, ...(JSON.parse(body) as { version: string; instance: string }) } : { status });
  }
  return seen;
}

const apiPods = (namespace: string): any[] => kc("-n", namespace, "get", "pods", "-l", "app.kubernetes.io/name=api").items;
const isReady = (pod: any): boolean => pod.status.conditions?.some((condition: any) => condition.type === "Ready" && condition.status === "True") ?? false;
const podTrack = (pod: any): string => pod.metadata.labels.track;

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
    // The stacks point at this cluster, and keep their state in the work folder. Staging's pods start on /healthz
    // and fail liveness after 2 probes 3 s apart, so what restarts a pod below is its liveness probe, soon.
    settingsDir = settingsCopy(path.join(work, "settings"), {
      // Ingress routing: the canary and readiness steps below are about the replica split behind one Service
      // (Gateway routing, the default, has its exact weights measured by release-kubernetes.test.ts).
      base: { target: { kubernetes: { configPath: kubeconfig, context: env.CLUSTER_CONTEXT } }, ingressController: { routing: "ingress" } },
      ...Object.fromEntries(ENVIRONMENTS.map((name) => [name, { backend: { kind: "local", path: path.join(work, "state", `${name}.tfstate`) } }])),
    });
    patchSettings(settingsDir, { staging: { services: [{ name: "api", probes: { startup: { path: "/healthz" }, liveness: { periodSeconds: 3, failureThreshold: 2 } } }] } });
    readSettings();
    env = { ...env, SETTINGS_DIR: settingsDir, CDKTF_OUTDIR: out, TF_VAR_api_db_password: password, ENVIRONMENTS: "", DEPLOY_TARGET: "" };
    fs.rmSync(out, { recursive: true, force: true });
    // With E2E_CPU_HOG=N every deploy below runs beside N busy loops (a busy machine).
    hog = cpuHog("real-node");
    timings.push(`CPU hog (E2E_CPU_HOG)`.padEnd(48) + ` ${hog.hogs} busy loops`);
  });

  afterAll(() => {
    hog.stop();
    sh("kubectl", kubectlArgs(["delete", "namespace", outside, "--ignore-not-found", "--wait=false"]), { env });
    // What a failed test left (the last test destroys them all; destroying nothing is quick).
    for (const name of ENVIRONMENTS) {
      if (holdsResources(path.join(work, "state", `${name}.tfstate`))) sh("node", ["scripts/cli.js", "destroy", name], { env: { ...env, ALLOW_DESTROY: name }, logFile: log(`destroy-${name}-after`), timeoutSeconds: 300 });
    }
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

  test("dev and prod deploy beside it, and each environment answers through the traffic entry by its host: /readyz, /version, /config", async () => {
    for (const name of ["dev", "prod"]) {
      timed(`deploy ${name} (cli)`, () => mustRun("node", ["scripts/cli.js", "deploy", name], { env, logFile: log(`deploy-${name}`), timeoutSeconds: 900 }));
    }
    for (const name of ENVIRONMENTS) {
      const environment = environments.get(name) as Environment;
      const [api] = environment.services;
      const host = api.ingress?.host as string;
      const ready = await timedAsync(`${name}: /readyz through the traffic entry`, () =>
        waitFor(`${host}/readyz through the traffic entry`, async () => (await throughEntry(host, "/readyz")).status === 200, { timeoutSeconds: 60, intervalSeconds: 1 }),
      );
      expect(ready).toBe(true);
      const version = await throughEntry(host, "/version");
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body).version).toBe(api.image.tag);
      const config = JSON.parse((await throughEntry(host, "/config")).body);
      expect(config).toMatchObject({ environment: name, greeting: api.config.GREETING, log_level: api.config.LOG_LEVEL, protected: environment.protected });
      // Only presence is ever shown: the value came from the Secret the variable filled.
      expect(config.secrets).toEqual(Object.fromEntries(api.secrets.map((secret) => [secret.name, "set"])));
      expect(Buffer.from(kc("-n", environment.namespace, "get", "secret", "api-secrets").data.DB_PASSWORD, "base64").toString()).toBe(password);
    }
    // A host no environment serves gets the entry's 404, not another environment's answer.
    expect((await throughEntry("nobody.localhost", "/version")).status).toBe(404);
    // The secret is in the cluster and in no synthesized file.
    const synthesized = sh("grep", ["-rlF", "--", password, out]);
    expect(synthesized).toMatchObject({ status: 1, output: "" });
  });

  test("Pod Security admission refuses a privileged pod in an environment's namespace", () => {
    const pod = path.join(work, "privileged.json");
    fs.writeFileSync(pod, JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "e2e-privileged", namespace: staging.namespace },
      spec: { containers: [{ name: "x", image: `${staging.services[0].image.repository}:${staging.services[0].image.tag}`, securityContext: { privileged: true } }] },
    }));
    const refused = sh("kubectl", kubectlArgs(["apply", "-f", pod]), { env });
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/violates PodSecurity "restricted:[^"]+": privileged/);
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

  test("a canary weight sends real traffic to both versions in the proportion the replica split promises", async () => {
    // GIVEN staging's canary at 25%: over 2 replicas Ingress routing can only split pods, 1 stable and 1 canary
    deployStaging("canary at 25", { grayRelease: { canaryWeight: 25 } });
    const api = staging.services[0];
    const split = splitReplicas(api.replicas, 25);
    await waitFor("1 stable and 1 canary pod Ready, no other", () => {
      const pods = apiPods(staging.namespace);
      return pods.length === split.stable + split.canary && pods.every(isReady) && pods.filter((pod) => podTrack(pod) === "canary").length === split.canary;
    }, { timeoutSeconds: 180 });
    // WHEN 400 requests go through the traffic entry
    const seen = await timedAsync("400 requests through the traffic entry", () => answers(api.ingress?.host as string, 400));
    // THEN every one is answered, by both versions, the canary's share within 10 points of the effective weight
    expect(seen.filter((answer) => answer.status !== 200)).toEqual([]);
    const canaryShare = (100 * seen.filter((answer) => answer.version === api.grayRelease.canaryTag).length) / seen.length;
    timings.push(`canary share at weight 25 over ${api.replicas} replicas: ${canaryShare.toFixed(1)}% (effective ${split.effectiveWeight}%)`);
    expect(new Set(seen.map((answer) => answer.version))).toEqual(new Set([api.image.tag, api.grayRelease.canaryTag]));
    expect(Math.abs(canaryShare - split.effectiveWeight)).toBeLessThanOrEqual(10);
  });

  test("readiness gates traffic: a canary pod failing /readyz runs beside ready pods and gets none of 200 requests", async () => {
    const before = new Set(apiPods(staging.namespace).map((pod) => pod.metadata.name as string));
    // GIVEN the canary track set to fail readiness (settings only): its rollout starts a new pod and, with
    // maxUnavailable 0, keeps the ready one it replaces
    deployStaging("canary fails readiness", { grayRelease: { canaryMisbehave: { failReadiness: true } } });
    const unready = await timedAsync("new canary pod running, probed unready", () =>
      waitFor("a new canary pod whose container runs and whose readiness probe failed", () => {
        const pod = apiPods(staging.namespace).find((candidate) => !before.has(candidate.metadata.name) && podTrack(candidate) === "canary");
        const container = pod?.status.containerStatuses?.[0];
        return container?.started === true && container.ready === false && pod;
      }, { timeoutSeconds: 120 }),
    );
    // Ready, it would have been within one period (5 s) of starting: give it three.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(isReady(kc("-n", staging.namespace, "get", "pod", unready.metadata.name))).toBe(false);
    const slices = kc("-n", staging.namespace, "get", "endpointslices", "-l", "kubernetes.io/service-name=api").items;
    const endpoint = slices.flatMap((slice: any) => slice.endpoints ?? []).find((candidate: any) => candidate.targetRef?.name === unready.metadata.name);
    expect(endpoint?.conditions?.ready).toBe(false);
    // WHEN 200 requests go through the traffic entry  THEN all are answered, never by the unready pod
    const seen = await answers(staging.services[0].ingress?.host as string, 200);
    expect(seen.filter((answer) => answer.status !== 200)).toEqual([]);
    const instances = new Set(seen.map((answer) => answer.instance));
    expect(instances.has(unready.metadata.name)).toBe(false);
    // AND the ready pods it runs beside, of both tracks, keep answering
    expect([...instances].sort()).toEqual(apiPods(staging.namespace).filter(isReady).map((pod) => pod.metadata.name).sort());
    expect(instances.size).toBe(2);
  });

  test("liveness restarts: a canary pod failing /livez is killed and restarted by the kubelet", async () => {
    const before = new Set(apiPods(staging.namespace).map((pod) => pod.metadata.name as string));
    // GIVEN the canary track set to fail liveness instead (it passes readiness and starts on /healthz)
    deployStaging("canary fails liveness", { grayRelease: { canaryMisbehave: { failReadiness: null, failLiveness: true } } });
    const restarted = await timedAsync("canary pod restarted by its liveness probe", () =>
      waitFor("a new canary pod restarted at least once", () => {
        const pod = apiPods(staging.namespace).find((candidate) => !before.has(candidate.metadata.name) && podTrack(candidate) === "canary");
        return (pod?.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && pod;
      }, { timeoutSeconds: 120 }),
    );
    // THEN the container that ran before was ended by the kubelet (exit code of the app's graceful stop or a kill)
    expect(restarted.status.containerStatuses[0].lastState.terminated).toBeDefined();
    // AND the kubelet says why
    const events = kc("-n", staging.namespace, "get", "events", "--field-selector", `involvedObject.name=${restarted.metadata.name}`).items;
    expect(events.map((event: any) => event.message).join("\n")).toMatch(/Liveness probe failed: HTTP probe failed with statuscode: 503/);
    expect(events.map((event: any) => event.message).join("\n")).toMatch(/failed liveness probe, will be restarted/);
  });

  test("a config change rolls the pods: new pod names, the old ones gone, the app reports the new value", async () => {
    // GIVEN the canary gone and a new greeting
    const before = new Set(apiPods(staging.namespace).map((pod) => pod.metadata.name as string));
    deployStaging("new greeting, no canary", { config: { GREETING: "hello again from staging" }, grayRelease: { canaryWeight: 0, canaryMisbehave: null } });
    // THEN the pods that run are all new, and the old ones are gone
    const pods = await timedAsync("old pods gone", () =>
      waitFor("only new pods, all Ready", () => {
        const now = apiPods(staging.namespace);
        return now.length > 0 && now.every((pod) => !before.has(pod.metadata.name) && isReady(pod) && podTrack(pod) === "stable") && now;
      }, { timeoutSeconds: 120 }),
    );
    expect(pods.length).toBeGreaterThan(0);
    // AND every answer through the traffic entry has the new value
    const host = staging.services[0].ingress?.host as string;
    for (let i = 0; i < 10; i++) expect(JSON.parse((await throughEntry(host, "/config")).body).greeting).toBe("hello again from staging");
  });

  test("a plan after the apply shows no changes", () => {
    const { status, output } = timed("no-op plan (staging, terraform plan)", () =>
      sh(env.TERRAFORM_BINARY_NAME || "terraform", [`-chdir=${path.join(out, "stacks", "staging")}`, "plan", "-input=false", "-lock-timeout=60s", "-detailed-exitcode", "-no-color"], { env, logFile: log("plan-staging-after"), timeoutSeconds: 300 }),
    );
    expect(output).toContain("No changes.");
    expect(status).toBe(0);
  });

  test("destroy leaves nothing behind: every environment's namespace goes, the node keeps its images", async () => {
    for (const name of ENVIRONMENTS) {
      timed(`destroy ${name} (cli)`, () => mustRun("node", ["scripts/cli.js", "destroy", name], { env: { ...env, ALLOW_DESTROY: name }, logFile: log(`destroy-${name}`), timeoutSeconds: 300 }));
    }
    const namespaces = ENVIRONMENTS.map((name) => (environments.get(name) as Environment).namespace);
    await timedAsync("namespaces gone", () =>
      waitFor("the environments' namespaces gone", () => {
        const left = kc("get", "namespaces").items.map((namespace: any) => namespace.metadata.name).filter((name: string) => namespaces.includes(name));
        return left.length === 0;
      }, { timeoutSeconds: 180 }),
    );
    for (const name of ENVIRONMENTS) expect(holdsResources(path.join(work, "state", `${name}.tfstate`))).toBe(false);
    const images = kc("get", "nodes").items.flatMap((node: any) => (node.status.images ?? []).flatMap((image: any) => image.names ?? []));
    expect(images).toEqual(expect.arrayContaining([expect.stringContaining(`${staging.services[0].image.repository}:${staging.services[0].image.tag}`)]));
  });
});
