// End to end on the Docker target, with the real toolchain, engine and the project's own command line:
// staging and dev as containers, checked through their proxies; network isolation between them; a setting change
// that plans as exactly that change and rolls the replicas; no-op plans; an apply interrupted midway that a
// re-run converges (after the orphan sweep); destroy that leaves nothing behind. Expected values come from the
// layered settings. Traffic goes only to 127.0.0.1 and to the containers made here.
//   E2E_CPU_HOG=N  N busy loops in a sibling container (the CPU weight an image build has) during the suite
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { summarizeStack } from "../../plan-report/summarize";
import { readPlanDir } from "../../plan-report/read-plan-dir";
import { layeredSettings } from "../../settings";
import { cpuHog, descendants, docker, get, mustRun, patchSettings, settingsCopy, sh, start, Timings, toolchainEnvironment, waitFor } from "./_e2e";

const ENVIRONMENTS = ["staging", "dev"] as const;
type Name = (typeof ENVIRONMENTS)[number];

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-docker-"));
const logs = path.join(work, "logs");
const out = path.join(work, "synth");
const runId = `run-${Date.now()}-${process.pid}`;
const canary = `e2e-secret-${Math.random().toString(36).slice(2, 14)}`;
let hog: ReturnType<typeof cpuHog> = { hogs: 0, stop: () => undefined };
const mine = `label=e2e-run=${runId}`;
const timings = new Timings();
const { timed } = timings;
let env: NodeJS.ProcessEnv = process.env;
let settingsDir = "";

/** What the layered settings say of an environment: the port and host to reach it, and its API's settings. */
function facts(name: Name) {
  const settings = layeredSettings(settingsDir).get(name) as { target: { docker: { ingressPort: number } }; services: Array<{ name: string; image: { tag: string }; config: Record<string, string>; ingress: { host: string } }> };
  const api = settings.services.find((service) => service.name === "api") as (typeof settings.services)[number];
  return { port: settings.target.docker.ingressPort, host: api.ingress.host, greeting: api.config.GREETING, tag: api.image.tag };
}

const envapi = (args: string[], log: string, timeoutSeconds = 600) => mustRun("node", ["scripts/cli.js", ...args], { env, logFile: path.join(logs, `${log}.log`), timeoutSeconds });


const deploy = (name: Name, log: string) => timed(`deploy ${name} (${log})`, () => envapi(["deploy", name], `deploy-${name}-${log}`));

/** Containers of an environment made by this run, but the file loaders (created, never started). */
function containersOf(name: Name): string[] {
  return docker("ps", "-a", "--filter", mine, "--filter", `label=environment=${name}`, "--format", "{{.Names}} {{.State}}")
    .split("\n")
    .filter((line) => line && !line.endsWith(" created"))
    .map((line) => line.split(" ")[0])
    .sort();
}

function healthy(name: Name): boolean {
  const names = containersOf(name);
  return names.length > 0 && names.every((container) => docker("inspect", "--format", "{{.State.Health.Status}}", container) === "healthy");
}

const waitHealthy = (name: Name) => waitFor(`every container of ${name} healthy`, () => healthy(name), { describe: () => containersOf(name).join(" ") });

/** Plans `name` against its real state, read with the plan report's own code. */
function plan(name: Name, log: string) {
  const plans = path.join(work, "plans", log);
  timed(`plan ${name} (${log})`, () => envapi(["plan", plans], `plan-${log}`));
  const [files] = readPlanDir(plans);
  return summarizeStack({ ...files, protected: false });
}

/** The image's own healthcheck, run as a throwaway container on `network`: can it reach `url`? */
function reaches(network: string, url: string): boolean {
  const args = ["run", "--rm", "--network", network, "--label", `e2e-run=${runId}`, "--read-only", "--user", "65532:65532", "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true"];
  return sh("docker", [...args, "envapi-dev/envapi:latest", "healthcheck", "--url", url, "--timeout", "2s"], { timeoutSeconds: 30 }).status === 0;
}

function leftovers(name: Name): string[] {
  const filter = ["--filter", mine, "--filter", `label=environment=${name}`];
  return [
    ...docker("ps", "-a", ...filter, "--format", "container {{.Names}}").split("\n"),
    ...docker("network", "ls", ...filter, "--format", "network {{.Name}}").split("\n"),
    ...docker("volume", "ls", ...filter, "--format", "volume {{.Name}}").split("\n"),
  ].filter(Boolean);
}

function removeLabelled(filter: string): void {
  const ids = (...args: string[]) => docker(...args).split("\n").filter(Boolean);
  for (const [list, remove] of [
    [["ps", "-aq"], ["rm", "-f"]],
    [["volume", "ls", "-q"], ["volume", "rm"]],
    [["network", "ls", "-q"], ["network", "rm"]],
  ] as const) {
    const found = ids(...list, "--filter", filter);
    if (found.length > 0) docker(...remove, ...found);
  }
}

describe("Docker target, end to end", () => {
  beforeAll(() => {
    fs.mkdirSync(logs, { recursive: true });
    env = toolchainEnvironment(path.join(logs, "toolchain.log"));
    mustRun("scripts/proxy-image.sh", [], { env, logFile: path.join(logs, "proxy-image.log"), timeoutSeconds: 1200 });
    // Leftovers of an earlier run carry an e2e-run label of their own; a real deployment has none and is kept.
    removeLabelled("label=e2e-run");
    for (const name of ENVIRONMENTS) {
      if (docker("ps", "-aq", "--filter", `name=^envapi-${name}-`)) throw new Error(`containers envapi-${name}-* exist on this Docker host and are not from a test run; not touching them`);
    }
    settingsDir = settingsCopy(path.join(work, "settings"), Object.fromEntries(ENVIRONMENTS.map((name) => [name, { labels: { "e2e-run": runId }, backend: { kind: "local", path: path.join(work, "state", `${name}.tfstate`) } }])));
    env = { ...env, SETTINGS_DIR: settingsDir, DEPLOY_TARGET: "docker", CDKTF_OUTDIR: out, ENVIRONMENTS: "", TF_VAR_api_db_password: canary };
    hog = cpuHog("docker");
  });

  afterAll(() => {
    hog.stop();
    for (const name of ENVIRONMENTS) if (leftovers(name).length > 0) sh("node", ["scripts/cli.js", "destroy", name], { env, logFile: path.join(logs, `cleanup-${name}.log`), timeoutSeconds: 300 });
    removeLabelled(mine);
    // State and plans hold the test secret; the logs stay.
    fs.rmSync(path.join(work, "state"), { recursive: true, force: true });
    fs.rmSync(path.join(work, "plans"), { recursive: true, force: true });
    process.stderr.write(timings.report(`Docker target timings (${os.cpus().length} cores; logs in ${logs})`));
  });

  test("staging deploys and serves what its settings say, through its proxy", async () => {
    deploy("staging", "first");
    await waitHealthy("staging");
    const { port, host, greeting, tag } = facts("staging");
    expect((await get(port, host, "/readyz")).status).toBe(200);
    expect((await get(port, `${host}:${port}`, "/readyz")).status).toBe(200);
    expect((await get(port, "api.unknown.localhost", "/readyz")).status).toBe(404);
    const config = await get(port, host, "/config");
    expect(JSON.parse(config.body)).toMatchObject({ greeting, environment: "staging", secrets: { DB_PASSWORD: "set" } });
    expect(config.body).not.toContain(canary);
    expect(JSON.parse((await get(port, host, "/version")).body).version).toBe(tag);
  });

  test("the proxy spreads requests over both replicas", async () => {
    const { port, host } = facts("staging");
    for (let i = 0; i < 8; i++) await get(port, host, "/version");
    for (const replica of ["envapi-staging-api-1", "envapi-staging-api-2"]) {
      expect(sh("docker", ["logs", replica]).output).toContain('"path":"/version"');
    }
  });

  test("the secret is in no synthesized file", () => {
    const files = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && !entry.parentPath.includes(".terraform"));
    for (const file of files) expect(fs.readFileSync(path.join(file.parentPath, file.name), "utf8")).not.toContain(canary);
  });

  test("dev runs beside staging, on a network staging's replicas cannot be reached from", async () => {
    deploy("dev", "beside staging");
    await waitHealthy("dev");
    const dev = facts("dev");
    expect(JSON.parse((await get(dev.port, dev.host, "/config")).body).greeting).toBe(dev.greeting);
    expect(JSON.parse((await get(dev.port, dev.host, "/version")).body).version).toBe(dev.tag);
    const staging = facts("staging");
    expect(JSON.parse((await get(staging.port, staging.host, "/config")).body).greeting).toBe(staging.greeting);
    const stagingIp = docker("inspect", "--format", '{{ (index .NetworkSettings.Networks "envapi-staging").IPAddress }}', "envapi-staging-api-1");
    expect(reaches("envapi-dev", "http://envapi-dev-api-1:8080/readyz")).toBe(true);
    expect(reaches("envapi-dev", "http://envapi-staging-api-1:8080/readyz")).toBe(false);
    expect(reaches("envapi-dev", `http://${stagingIp}:8080/readyz`)).toBe(false);
    expect(reaches("envapi-staging", "http://envapi-staging-api-1:8080/readyz")).toBe(true);
  });

  test("one setting changed plans as exactly that change, rolls the replicas, and then plans nothing", async () => {
    patchSettings(settingsDir, { staging: { services: [{ name: "api", config: { GREETING: "hello again from staging" } }] } });
    env = { ...env, ENVIRONMENTS: "staging" };
    const change = plan("staging", "change");
    const changed = change.resources.map((resource) => `${resource.address.replace(/_[0-9A-F]{8}$/, "")} ${resource.kind}`).sort();
    expect(changed).toEqual(["docker_container.docker-environment_api_stable-1_container replace", "docker_container.docker-environment_api_stable-2_container replace"]);
    expect(change.resources.every((resource) => resource.attributes.some((attribute) => attribute.path.startsWith("env")))).toBe(true);
    deploy("staging", "setting change");
    await waitHealthy("staging");
    const { port, host, greeting } = facts("staging");
    expect(JSON.parse((await get(port, host, "/config")).body).greeting).toBe(greeting);
    expect(plan("staging", "noop").status).toBe("no-changes");
  });

  test("an apply interrupted midway converges on the next deploy, after the orphan sweep", async () => {
    // The change: a 50% canary (builds the canary image, replaces a replica and the proxy's config).
    patchSettings(settingsDir, { staging: { services: [{ name: "api", grayRelease: { canaryWeight: 50 } }] } });
    const before = containersOf("staging").join(" ");
    const running = start("node", ["scripts/cli.js", "deploy", "staging"], env, path.join(logs, "deploy-staging-interrupted.log"));
    let exited = false;
    void running.done.then(() => (exited = true));
    // Once it starts changing containers, one SIGINT to terraform, as from Ctrl-C: it cancels what is in flight.
    const terraform = await waitFor(
      "the apply to start changing containers",
      () => {
        if (exited) return undefined;
        if (containersOf("staging").join(" ") === before) return undefined;
        return descendants(running.pid).find((pid) => /(terraform|tofu) apply/.test(sh("ps", ["-o", "args=", "-p", String(pid)]).output));
      },
      { timeoutSeconds: 240, intervalSeconds: 0.5 },
    );
    process.kill(terraform, "SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const status = await Promise.race([running.done, new Promise<"hung">((resolve) => (timer = setTimeout(() => resolve("hung"), 90_000)))]);
    clearTimeout(timer);
    if (status === "hung") process.kill(-running.pid, "SIGKILL");
    expect(status).not.toBe(0);
    // What `npm run deploy` does first anyway: remove containers the engine made but the state never recorded.
    envapi(["orphans", "staging"], "orphans-after-interrupt");
    deploy("staging", "re-run after interrupt");
    await waitHealthy("staging");
    expect(plan("staging", "after-rerun").status).toBe("no-changes");
    expect(containersOf("staging")).toEqual(["envapi-staging-api-1", "envapi-staging-api-canary-1", "envapi-staging-proxy"]);
    const { port, host } = facts("staging");
    const versions: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const version = (JSON.parse((await get(port, host, "/version")).body) as { version: string }).version;
      versions[version] = (versions[version] ?? 0) + 1;
    }
    expect(versions).toEqual({ "0.1.0": 10, "0.2.0": 10 });
  });

  test("a container the engine runs but the state does not hold is found, removed, and made again", async () => {
    const stackDir = path.join(out, "stacks", "staging");
    const terraform = env.TERRAFORM_BINARY_NAME || "terraform";
    const address = mustRun(terraform, [`-chdir=${stackDir}`, "state", "list"], { env })
      .split("\n")
      .find((line) => /^docker_container\..*ingress_proxy_container/.test(line)) as string;
    mustRun(terraform, [`-chdir=${stackDir}`, "state", "rm", address], { env });
    expect(envapi(["orphans", "staging"], "orphans")).toMatch(/never recorded: envapi-staging-proxy$/m);
    deploy("staging", "after the sweep");
    await waitHealthy("staging");
    expect(plan("staging", "after-orphan").status).toBe("no-changes");
  });

  test("destroy leaves no container, network or volume behind", () => {
    for (const name of ENVIRONMENTS) {
      timed(`destroy ${name}`, () => envapi(["destroy", name], `destroy-${name}`, 300));
      expect(leftovers(name)).toEqual([]);
    }
  });
});
