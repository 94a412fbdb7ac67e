// End to end on the Kubernetes target, against a real API server with fake nodes (scripts/cluster.sh's kwok
// provider, a cluster of its own: envapi-kwok, beside the real-node cluster): staging, dev and prod deployed with
// `cdktf deploy` as the README documents, every object checked through the API against the layered settings, a
// setting change, staging's gray release stepped, live objects drifted by hand, and destroy (prod only with
// ALLOW_DESTROY=prod). What needs containers to run is kubernetes-real-node.test.ts's.
//   E2E_REUSE_CLUSTER=1  reuse a running cluster (default: a fresh one)   E2E_KEEP_CLUSTER=1  leave it running
//   E2E_KWOK_CLUSTER=<name>  the kwok cluster's name and ~/.kube/<name>.config (default envapi-kwok)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { summarizeStack } from "../../plan-report/summarize";
import { environmentAfter } from "../../cli/_processes";
import { Environment, loadEnvironments } from "../../settings";
import { mustRun, patchSettings, settingsCopy, sh, Timings, waitFor } from "./_e2e";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-kubernetes-"));
const logs = path.join(work, "logs");
// Its own synth output; its stacks keep state at ../../../.state from their folder, i.e. cdktf.out/.state.
const out = path.join("cdktf.out", "e2e-kubernetes");
const stateDir = path.join("cdktf.out", ".state");
const password = `e2e-${Math.random().toString(36).slice(2, 14)}`;
const timings = new Timings();
const { timed } = timings;
let env: NodeJS.ProcessEnv = process.env;
let settingsDir = "";
let clusterStarted = false;

const log = (name: string) => path.join(logs, `${name}.log`);
const settingsOf = (name: string): Environment => loadEnvironments(settingsDir).find((candidate) => candidate.name === name) as Environment;


/** kubectl on the test's cluster; `-o json` output parsed. */
function kc(...args: string[]): any {
  const output = mustRun("kubectl", ["--context", env.CLUSTER_CONTEXT as string, "--request-timeout=20s", ...args, "-o", "json"], { env, timeoutSeconds: 60 });
  return JSON.parse(output);
}
const exists = (...args: string[]) => sh("kubectl", ["--context", env.CLUSTER_CONTEXT as string, "get", ...args, "--ignore-not-found", "-o", "name"], { env }).output.trim() !== "";

const cdktf = (args: string[], name: string, extra: NodeJS.ProcessEnv = {}) =>
  mustRun("npx", ["--no-install", "cdktf", ...args, "--output", out, "--no-color", "--skip-provider-lock"], { env: { ...env, ...extra }, logFile: log(name), timeoutSeconds: 600 });
const synth = () => mustRun("node", ["scripts/run-app.js"], { env: { ...env, CDKTF_OUTDIR: out }, logFile: log("synth") });
const terraform = (stack: string, args: string[], name: string) =>
  sh(env.TERRAFORM_BINARY_NAME || "terraform", [`-chdir=${path.join(out, "stacks", stack)}`, ...args], { env, logFile: log(name), timeoutSeconds: 300 });

/** A plan of `stack` against its state, summarized by the plan report's code; the binary plan is kept for apply. */
function plan(stack: string) {
  const planFile = path.join(work, `${stack}.tfplan`);
  const { status, output } = terraform(stack, ["plan", "-input=false", "-lock-timeout=60s", "-detailed-exitcode", `-out=${planFile}`], `plan-${stack}`);
  if (status !== 0 && status !== 2) throw new Error(`plan of ${stack} failed:\n${output.split("\n").slice(-30).join("\n")}`);
  const json = mustRun(env.TERRAFORM_BINARY_NAME || "terraform", [`-chdir=${path.join(out, "stacks", stack)}`, "show", "-json", planFile], { env });
  const summary = summarizeStack({ stack, target: "kubernetes", folder: stack, protected: false, plan: JSON.parse(json) });
  // "<kind> <type> <attribute path>" per changed attribute, without values (a plan holds secrets in clear).
  const changes = summary.resources.flatMap((resource) => resource.attributes.map((attribute) => `${resource.kind} ${resource.type} ${attribute.path}`)).sort();
  return { status, changes, summary, planned: JSON.parse(json) as { planned_values: { root_module: { resources?: Array<{ type: string; values: any }> } } } };
}
const apply = (stack: string) => {
  const { status, output } = terraform(stack, ["apply", "-input=false", "-lock-timeout=60s", "-auto-approve", path.join(work, `${stack}.tfplan`)], `apply-${stack}`);
  if (status !== 0) throw new Error(`apply of ${stack} failed:\n${output.split("\n").slice(-30).join("\n")}`);
};
const expectNoChanges = (stack: string) => expect(plan(stack)).toMatchObject({ status: 0, changes: [] });

/** The Deployment has `replicas` replicas, all updated, ready and available, for its latest generation. */
function rolledOut(namespace: string, name: string, replicas: number): boolean {
  if (!exists("-n", namespace, `deployment/${name}`)) return false;
  const deployment = kc("-n", namespace, "get", "deployment", name);
  const status = deployment.status ?? {};
  return (
    deployment.metadata.generation === status.observedGeneration &&
    deployment.spec.replicas === replicas &&
    [status.updatedReplicas, status.readyReplicas, status.availableReplicas, status.replicas].every((count) => (count ?? 0) === replicas)
  );
}
const rollout = (namespace: string, name: string, replicas: number) => waitFor(`${namespace}/${name} rolled out with ${replicas} ready replicas`, () => rolledOut(namespace, name, replicas), { timeoutSeconds: 120 });

function readyEndpoints(namespace: string): number {
  const slices = kc("-n", namespace, "get", "endpointslices", "-l", "kubernetes.io/service-name=api");
  return slices.items.flatMap((slice: any) => slice.endpoints ?? []).filter((endpoint: any) => endpoint.conditions?.ready).length;
}

/** Every object of an environment through the API, against what its layered settings say. */
async function checkEnvironment(name: string): Promise<void> {
  const settings = settingsOf(name);
  const api = settings.services.find((service) => service.name === "api");
  if (api?.kind !== "http") throw new Error(`${name}: the api service is not served over HTTP`);
  const ns = settings.namespace;
  const namespace = kc("get", "namespace", ns);
  for (const level of ["enforce", "audit", "warn"]) expect(namespace.metadata.labels[`pod-security.kubernetes.io/${level}`]).toBe("restricted");
  expect(namespace.metadata.labels.environment).toBe(name);
  const quota = kc("-n", ns, "get", "resourcequota", "quota");
  expect(quota.spec.hard).toMatchObject({ pods: String(settings.quota.pods), "requests.cpu": settings.quota.requests.cpu });
  const limits = kc("-n", ns, "get", "limitrange", "container-defaults");
  expect(limits.spec.limits[0].default).toEqual(settings.defaultContainerLimits.limits);
  // Ingress and egress denied by default, each with its allowances; the allow-list only when the settings have one.
  const policies = ["deny-all-ingress", "allow-same-namespace", "allow-ingress-controller", "deny-all-egress", "allow-dns", "allow-same-namespace-egress", "allow-ingress-controller-egress"];
  if (settings.egress.length > 0) policies.push("allow-egress");
  expect(kc("-n", ns, "get", "networkpolicies").items.map((policy: any) => policy.metadata.name).sort()).toEqual(policies.sort());
  // Every container reserves and is bounded in ephemeral storage, and a service of several pods spreads them.
  const template = kc("-n", ns, "get", "deployment", "api").spec.template.spec;
  for (const container of template.containers) expect(Object.keys(container.resources.limits)).toContain("ephemeral-storage");
  expect(template.topologySpreadConstraints?.length ?? 0).toBe(Math.max(api.replicas, api.autoscaling.enabled ? api.autoscaling.maxReplicas : 0) > 1 ? 1 : 0);
  expect(kc("-n", ns, "get", "configmap", "api-config").data.APP_ENV).toBe(name);
  expect(Buffer.from(kc("-n", ns, "get", "secret", "api-secrets").data.DB_PASSWORD, "base64").toString()).toBe(password);
  await rollout(ns, "api", api.replicas);
  await waitFor(`${ns} quota counting the running pods`, () => {
    const running = kc("-n", ns, "get", "pods", "--field-selector=status.phase=Running").items.length;
    return String(running) === kc("-n", ns, "get", "resourcequota", "quota").status?.used?.pods;
  });
  for (const pod of kc("-n", ns, "get", "pods", "-l", "app.kubernetes.io/name=api,track=stable").items) {
    expect(pod.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(pod.spec.securityContext.seccompProfile.type).toBe("RuntimeDefault");
  }
  expect(kc("-n", ns, "get", "service", "api").spec.ports[0]).toMatchObject({ port: 80, targetPort: "http" });
  await waitFor(`${ns} Service api with ${api.replicas} ready endpoints`, () => readyEndpoints(ns) === api.replicas);
  // Behind the cluster's Gateway: an HTTPRoute for the host and prefix, to the stable track's Service.
  const route = kc("-n", ns, "get", "httproute", "api");
  expect(route.spec.hostnames).toEqual([api.ingress?.host]);
  expect(route.spec.parentRefs[0]).toMatchObject({ name: settings.ingressController.gateway.name, namespace: settings.ingressController.namespace });
  expect(route.spec.rules[0].backendRefs).toEqual([expect.objectContaining({ name: "api", port: 80, weight: 100 })]);
  expect(exists("-n", ns, "ingress")).toBe(false);
  if (api.autoscaling.enabled) {
    expect(kc("-n", ns, "get", "hpa", "api").spec).toMatchObject({ scaleTargetRef: { kind: "Deployment", name: "api" }, minReplicas: api.autoscaling.minReplicas });
  } else {
    expect(exists("-n", ns, "hpa")).toBe(false);
  }
  if (api.disruptionBudget.enabled) expect(kc("-n", ns, "get", "pdb", "api").spec.minAvailable).toBe(api.disruptionBudget.minAvailable);
  else expect(exists("-n", ns, "pdb")).toBe(false);
  // The API server enforces Pod Security admission: a privileged pod is refused in the namespace.
  const overrides = JSON.stringify({ spec: { containers: [{ name: "p", image: "envapi:probe", securityContext: { privileged: true } }] } });
  const refused = sh("kubectl", ["--context", env.CLUSTER_CONTEXT as string, "-n", ns, "run", "e2e-privileged", "--image=envapi:probe", "--restart=Never", "--dry-run=server", `--overrides=${overrides}`], { env });
  expect(refused.output).toContain('violates PodSecurity "restricted');
}

describe("Kubernetes target, end to end", () => {
  beforeAll(() => {
    fs.mkdirSync(logs, { recursive: true });
    mustRun("scripts/toolchain.sh", ["all"], { env: { ...process.env, TOOLCHAIN_SKIP_DOCKER: "1" }, logFile: log("toolchain"), timeoutSeconds: 2400 });
    // Fake nodes, so one provider per cluster: a kwok cluster of its own name, in a kubeconfig of its own.
    const name = process.env.E2E_KWOK_CLUSTER || "envapi-kwok";
    const cluster = { CLUSTER_PROVIDER: "kwok", CLUSTER_NAME: name, CLUSTER_KUBECONFIG: path.join(os.homedir(), ".kube", `${name}.config`) };
    env = environmentAfter("scripts/toolchain.sh", { ...process.env, ...cluster });
    if (process.env.E2E_REUSE_CLUSTER !== "1") {
      mustRun("scripts/cluster.sh", ["down"], { env, logFile: log("cluster-down-before") });
      // A fresh cluster holds nothing: neither may this output's state (an earlier run stopped midway).
      for (const name of ["dev", "staging", "prod"]) fs.rmSync(path.join(stateDir, `${name}.kubernetes.tfstate`), { force: true });
    }
    clusterStarted = true;
    timed("cluster up", () => mustRun("scripts/cluster.sh", ["up"], { env, logFile: log("cluster-up"), timeoutSeconds: 2400 }));
    env = environmentAfter("scripts/cluster.sh", env);
    // The stacks point at this cluster.
    settingsDir = settingsCopy(path.join(work, "settings"), { base: { target: { kubernetes: { configPath: cluster.CLUSTER_KUBECONFIG, context: env.CLUSTER_CONTEXT } } } });
    env = { ...env, SETTINGS_DIR: settingsDir, TF_VAR_api_db_password: password, TF_IN_AUTOMATION: "1", TF_INPUT: "0", ENVIRONMENTS: "", DEPLOY_TARGET: "", ALLOW_DESTROY: "" };
    fs.rmSync(out, { recursive: true, force: true });
  });

  afterAll(() => {
    for (const file of fs.readdirSync(work).filter((name) => name.endsWith(".tfplan"))) fs.rmSync(path.join(work, file)); // they hold the secret
    if (clusterStarted && process.env.E2E_KEEP_CLUSTER !== "1") sh("scripts/cluster.sh", ["down"], { env, logFile: log("cluster-down") });
    process.stderr.write(timings.report(`Kubernetes target timings (logs in ${logs})`));
  });

  test("staging deploys with `cdktf deploy`, every object as its settings say", async () => {
    timed("cdktf deploy staging (create)", () => cdktf(["deploy", "staging", "--auto-approve"], "deploy-staging"));
    await checkEnvironment("staging");
  });

  test("a second plan of staging shows no changes, and so does `cdktf diff`", () => {
    synth();
    timed("no-op plan (staging, terraform plan)", () => expectNoChanges("staging"));
    expect(timed("no-op plan (staging, cdktf diff)", () => cdktf(["diff", "staging"], "diff-staging"))).toContain("No changes");
  });

  test("dev and prod deploy beside it, nothing shared", async () => {
    timed("cdktf deploy dev prod (create)", () => cdktf(["deploy", "dev", "prod", "--auto-approve"], "deploy-dev-prod"));
    await checkEnvironment("dev");
    await checkEnvironment("prod");
    expect(kc("get", "namespaces", "-l", "app.kubernetes.io/part-of=envapi").items.map((item: any) => item.metadata.name).sort()).toEqual(["envapi-dev", "envapi-prod", "envapi-staging"]);
    for (const name of ["dev", "staging", "prod"]) {
      // every object of the environment's state lives in its own namespace
      const state = JSON.parse(mustRun(env.TERRAFORM_BINARY_NAME || "terraform", [`-chdir=${path.join(out, "stacks", name)}`, "show", "-json"], { env }));
      const metadata = (state.values.root_module.resources as Array<{ values: any }>).filter((resource) => resource.values.metadata).map((resource) => resource.values.metadata[0]);
      expect(metadata.length).toBeGreaterThan(0);
      expect(metadata.filter((item) => (item.namespace || item.name) !== settingsOf(name).namespace)).toEqual([]);
      expect(fs.existsSync(path.join(stateDir, `${name}.kubernetes.tfstate`))).toBe(true);
    }
    synth();
    expectNoChanges("dev");
    expectNoChanges("prod");
  });

  test("a setting change updates the ConfigMap and the pod template's checksum, and the pods roll", async () => {
    const oldPods = kc("-n", "envapi-staging", "get", "pods", "-l", "track=stable").items.map((pod: any) => pod.metadata.name);
    const oldChecksum = kc("-n", "envapi-staging", "get", "deployment", "api").spec.template.metadata.annotations["checksum/config"];
    patchSettings(settingsDir, { staging: { services: [{ name: "api", config: { GREETING: "hello again from staging" } }] } });
    synth();
    // (both tracks' pod templates carry the checksum: the canary Deployment is there, at 0 replicas, while a canary tag is set)
    expect(plan("staging").changes).toEqual(["update kubernetes_config_map_v1 data.GREETING", ...Array(2).fill('update kubernetes_deployment_v1 spec[0].template[0].metadata[0].annotations["checksum/config"]')]);
    timed("apply a setting change (staging)", () => apply("staging"));
    expect(kc("-n", "envapi-staging", "get", "configmap", "api-config").data.GREETING).toBe("hello again from staging");
    expect(kc("-n", "envapi-staging", "get", "deployment", "api").spec.template.metadata.annotations["checksum/config"]).not.toBe(oldChecksum);
    await rollout("envapi-staging", "api", 2);
    await waitFor("none of the old pods left", () => {
      const now = kc("-n", "envapi-staging", "get", "pods", "-l", "track=stable").items.map((pod: any) => pod.metadata.name);
      return now.every((pod: string) => !oldPods.includes(pod));
    });
    expectNoChanges("staging");
  });

  // weight → the route's backends (model/gray-release.ts routedReplicas: the canary's 1 pod and the stable track's 2
  // and its autoscaler stay at every step), and no step destroys or replaces anything
  test.each([
    [5, 1, [["api", 95], ["api-canary", 5]]],
    [25, 1, [["api", 75], ["api-canary", 25]]],
    [100, 1, [["api-canary", 100]]],
    [0, 1, [["api", 100]]],
  ])("gray release at %i%%: canary %i, route %j, nothing destroyed", async (weight, canary, backends) => {
    patchSettings(settingsDir, { staging: { services: [{ name: "api", grayRelease: { canaryWeight: weight } }] } });
    synth();
    const { planned, summary } = plan("staging");
    expect(summary.resources.filter((resource) => resource.kind !== "update").map((resource) => `${resource.kind} ${resource.address}`)).toEqual([]);
    const resources = planned.planned_values.root_module.resources ?? [];
    const deployments = resources.filter((resource) => resource.type === "kubernetes_deployment_v1").map((resource) => `${resource.values.metadata[0].name}=${resource.values.spec[0].replicas}`).sort();
    expect(deployments).toEqual([`api-canary=${canary}`, "api=2"]);
    expect(resources.some((resource) => resource.type === "kubernetes_horizontal_pod_autoscaler_v2")).toBe(true);
    timed(`apply gray release ${weight}% (staging)`, () => apply("staging"));
    await rollout("envapi-staging", "api", 2);
    await rollout("envapi-staging", "api-canary", canary);
    expect(kc("-n", "envapi-staging", "get", "deployment", "api-canary").spec.template.spec.containers[0].image).toBe(`envapi:${settingsOf("staging").services[0].grayRelease.canaryTag}`);
    const refs = kc("-n", "envapi-staging", "get", "httproute", "api").spec.rules[0].backendRefs as Array<{ name: string; weight: number }>;
    expect(refs.map((ref) => [ref.name, ref.weight])).toEqual(backends);
    await waitFor("2 ready pods behind Service api (the stable track only)", () => readyEndpoints("envapi-staging") === 2);
    expectNoChanges("staging");
  });

  test("prod (protected): a canary's steps 5 → 25 → 100 → 0 update in place, never destroy or replace", async () => {
    patchSettings(settingsDir, { prod: { services: [{ name: "api", grayRelease: { canaryTag: "0.2.0", canaryWeight: 0 } }] } });
    synth();
    const started = plan("prod");
    expect(started.summary.resources.filter((resource) => !["create", "update"].includes(resource.kind)).map((resource) => `${resource.kind} ${resource.address}`)).toEqual([]);
    apply("prod");
    for (const weight of [5, 25, 100, 0]) {
      patchSettings(settingsDir, { prod: { services: [{ name: "api", grayRelease: { canaryWeight: weight } }] } });
      synth();
      const { summary } = plan("prod");
      expect([weight, summary.resources.filter((resource) => resource.kind !== "update").map((resource) => `${resource.kind} ${resource.address}`)]).toEqual([weight, []]);
      timed(`apply prod at ${weight}%`, () => apply("prod"));
    }
    await rollout("envapi-prod", "api", 3);
    expectNoChanges("prod");
  });

  test("objects edited by hand show in the plan as drift, and apply restores them", async () => {
    const kubectl = (...args: string[]) => mustRun("kubectl", ["--context", env.CLUSTER_CONTEXT as string, ...args], { env });
    kubectl("label", "namespace", "envapi-staging", "pod-security.kubernetes.io/enforce=privileged", "--overwrite");
    kubectl("-n", "envapi-staging", "patch", "configmap", "api-config", "--type", "merge", "-p", '{"data":{"GREETING":"edited by hand"}}');
    kubectl("-n", "envapi-dev", "scale", "deployment", "api", "--replicas=3");
    expect(plan("staging").changes).toEqual(["update kubernetes_config_map_v1 data.GREETING", 'update kubernetes_namespace_v1 metadata[0].labels["pod-security.kubernetes.io/enforce"]']);
    expect(plan("dev").changes).toEqual(["update kubernetes_deployment_v1 spec[0].replicas"]);
    apply("staging");
    apply("dev");
    expect(kc("get", "namespace", "envapi-staging").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(kc("-n", "envapi-staging", "get", "configmap", "api-config").data.GREETING).toBe("hello again from staging");
    await rollout("envapi-dev", "api", 1);
    expectNoChanges("staging");
    expectNoChanges("dev");
  });

  test("prod is protected: destroy is refused without ALLOW_DESTROY, and says why", async () => {
    expect(sh("npx", ["--no-install", "cdktf", "destroy", "prod", "--output", out, "--no-color", "--skip-provider-lock", "--auto-approve"], { env, logFile: log("destroy-prod-refused") }).status).not.toBe(0);
    // cdktf prints only "Invoking Terraform CLI failed": Terraform's own plan says why, and so does the CLI.
    expect(terraform("prod", ["plan", "-destroy", "-lock-timeout=60s"], "plan-destroy-prod").output).toContain("prevent_destroy");
    const cli = sh("node", ["scripts/cli.js", "destroy", "prod"], { env, logFile: log("cli-destroy-prod-refused") });
    expect(cli.status).toBe(1);
    expect(cli.output).toContain("prod is protected; run with ALLOW_DESTROY=prod to destroy it");
    expect(exists("namespace", "envapi-prod")).toBe(true);
    await rollout("envapi-prod", "api", 3);
  });

  test("destroy with ALLOW_DESTROY=prod removes prod, then staging and dev: no namespace and no state left", () => {
    timed("cdktf destroy prod", () => cdktf(["destroy", "prod", "--auto-approve"], "destroy-prod", { ALLOW_DESTROY: "prod" }));
    timed("cdktf destroy staging", () => cdktf(["destroy", "staging", "--auto-approve"], "destroy-staging"));
    timed("cdktf destroy dev", () => cdktf(["destroy", "dev", "--auto-approve"], "destroy-dev"));
    for (const name of ["prod", "staging", "dev"]) {
      expect(exists("namespace", `envapi-${name}`)).toBe(false);
      expect(terraform(name, ["state", "list"], `state-list-${name}`).output.trim()).toBe("");
    }
  });
});
