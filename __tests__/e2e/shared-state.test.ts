// Shared state that really locks, on each shared backend: PostgreSQL from Debian and versitygw (an S3-compatible
// server built from its Go module, scripts/state-servers.sh), both private instances started here on 127.0.0.1.
// A stack of fixture settings (one service on the Docker target, names unique to the run) is applied twice at the
// same moment: the lock lets one through and refuses the other with Terraform's lock message; the state is then
// whole (every resource the stack declares, on the server, no lock left), a plan against throwaway state touches
// nothing on the server, the project's plan shows no changes, and two destroys at the same moment serialize the
// same way and leave nothing.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { environmentAfter } from "../../cli/_processes";
import { readPlanDir } from "../../plan-report/read-plan-dir";
import { summarizeStack } from "../../plan-report/summarize";
import { DEFAULT_SETTINGS_DIR } from "../../settings";
import { readStackFacts } from "../../stacks";
import { docker, get, mustRun, sh, start, Timings, toolchainEnvironment, waitFor } from "./_e2e";

type Kind = "pg" | "s3";
const KINDS: readonly Kind[] = ["pg", "s3"];

const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-shared-state-"));
const logs = path.join(work, "logs");
const settingsDir = path.join(work, "settings");
const out = path.join(work, "synth");
const suffix = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const runId = `run-${suffix}`;
const mine = `label=e2e-run=${runId}`;
const bucket = "envapi-state";
const timings = new Timings();
const { timed, timedAsync } = timings;
/** The environment every Terraform run gets: the toolchain's (CLI config, provider versions) and the servers' binaries. */
let base: NodeJS.ProcessEnv = process.env;
/** What each backend reads from the environment: a connection string, an endpoint and keys. Never settings. */
const backendEnv: Partial<Record<Kind, NodeJS.ProcessEnv>> = {};
const stops: Array<() => void> = [];
/** The password of the PostgreSQL user, which must appear in no file of the stack. */
let pgPassword = "";

const environment = (kind: Kind) => `lock-${kind}`;
const stackDir = (kind: Kind) => path.join(out, "stacks", environment(kind));
const envOf = (kind: Kind): NodeJS.ProcessEnv => ({ ...base, ...backendEnv[kind] });
const terraformBinary = () => base.TERRAFORM_BINARY_NAME || "terraform";
const terraform = (kind: Kind, args: string[], log: string) => mustRun(terraformBinary(), [`-chdir=${stackDir(kind)}`, ...args], { env: envOf(kind), logFile: path.join(logs, `${log}.log`), timeoutSeconds: 300 });


/** A TCP port nobody listens on at 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private PostgreSQL cluster in a folder of its own, on 127.0.0.1 only, with a password. PostgreSQL refuses to
 * run as root, so under root it runs as Debian's `postgres` user.
 */
async function startPostgres(bin: string): Promise<NodeJS.ProcessEnv> {
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-pg-"));
  const password = (pgPassword = randomBytes(12).toString("hex"));
  fs.writeFileSync(path.join(dir, "password"), `${password}\n`, { mode: 0o600 });
  if (root) mustRun("chown", ["-R", "postgres:", dir]);
  const pg = (command: string, args: string[], log: string) => {
    const [program, argv] = root ? ["runuser", ["-u", "postgres", "--", path.join(bin, command), ...args]] : [path.join(bin, command), args];
    return mustRun(program, argv, { logFile: path.join(logs, `${log}.log`), timeoutSeconds: 60 });
  };
  const data = path.join(dir, "data");
  pg("initdb", ["-D", data, "-U", "terraform", `--pwfile=${path.join(dir, "password")}`, "--auth=scram-sha-256", "--no-sync", "--no-instructions", "-E", "UTF8", "--locale=C"], "postgres-initdb");
  fs.rmSync(path.join(dir, "password"));
  const port = await freePort();
  // fsync off: a throwaway cluster; its unix socket in its own folder, so no system path is needed.
  pg("pg_ctl", ["-D", data, "-l", path.join(dir, "postgres.log"), "-w", "-t", "30", "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`, "start"], "postgres-start");
  stops.push(() => {
    pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], "postgres-stop");
    fs.copyFileSync(path.join(dir, "postgres.log"), path.join(logs, "postgres.log"));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { PG_CONN_STR: `postgres://terraform:${password}@127.0.0.1:${port}/postgres?sslmode=disable` };
}

/** A private versitygw on 127.0.0.1 with its own keys, a folder as storage, and the state bucket (a folder in it). */
async function startVersitygw(bin: string): Promise<NodeJS.ProcessEnv> {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-s3-"));
  fs.mkdirSync(path.join(data, bucket));
  const port = await freePort();
  const keys = { AWS_ACCESS_KEY_ID: `e2e${randomBytes(6).toString("hex")}`, AWS_SECRET_ACCESS_KEY: randomBytes(18).toString("hex") };
  const server = start(bin, ["--port", `127.0.0.1:${port}`, "--quiet", "posix", data], { ...process.env, ROOT_ACCESS_KEY_ID: keys.AWS_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY: keys.AWS_SECRET_ACCESS_KEY }, path.join(logs, "versitygw.log"));
  stops.push(() => {
    process.kill(-server.pid, "SIGTERM");
    fs.rmSync(data, { recursive: true, force: true });
  });
  // Any HTTP answer (an unsigned request is refused) means it is listening.
  await waitFor("versitygw to answer", async () => (await get(port, "127.0.0.1", "/")).status !== 0, { timeoutSeconds: 30, intervalSeconds: 0.2 });
  return { ...keys, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true", STATE_DATA_DIR: data };
}

/** The fixture: the project's base settings and, per backend, a one-service environment on Docker with that backend. */
function writeSettings(): void {
  fs.mkdirSync(settingsDir, { recursive: true });
  fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, "base.yaml"), path.join(settingsDir, "base.yaml"));
  const backends: Record<Kind, unknown> = {
    pg: { kind: "pg", schemaName: `envapi_e2e_${suffix}` },
    s3: { kind: "s3", bucket, key: `e2e/${suffix}`, usePathStyle: true, skipCredentialsValidation: true, skipRequestingAccountId: true },
  };
  KINDS.forEach((kind, index) => {
    const settings = {
      namespace: `envapi-e2e-${kind}-${suffix}`,
      labels: { "e2e-run": runId },
      target: { platform: "docker", docker: { ingressPort: 18090 + index } },
      backend: backends[kind],
      // No ingress: no proxy, so no host port; the image its own, so destroying this stack removes no one else's.
      services: [{ name: "api", replicas: 1, image: { repository: `envapi-e2e-state-${kind}`, tag: "0.1.0" }, ingress: null }],
    };
    fs.writeFileSync(path.join(settingsDir, `${environment(kind)}.yaml`), stringify(settings));
  });
}

/** Every resource address the synthesized stack declares, as `terraform state list` prints them. */
function declaredResources(kind: Kind): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir(kind), "cdk.tf.json"), "utf8")) as { resource: Record<string, Record<string, unknown>> };
  return Object.entries(json.resource)
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

const stateList = (kind: Kind, log: string) => terraform(kind, ["state", "list"], log).split("\n").filter(Boolean).sort();

/** The same Terraform command started twice at the same moment; both outputs once both have ended. */
async function twiceAtOnce(kind: Kind, args: string[], log: string): Promise<Array<{ status: number | null; output: string }>> {
  const runs = ["a", "b"].map((name) => {
    const file = path.join(logs, `${log}-${name}.log`);
    const child = start(terraformBinary(), [`-chdir=${stackDir(kind)}`, ...args], envOf(kind), file);
    const ended: { status?: number | null } = {};
    void child.done.then((status) => (ended.status = status));
    return { child, file, ended };
  });
  try {
    await waitFor(`both "terraform ${args[0]}" of ${kind} to end`, () => runs.every((run) => run.ended.status !== undefined), { timeoutSeconds: 300, intervalSeconds: 0.5 });
  } finally {
    for (const run of runs) if (run.ended.status === undefined) process.kill(-run.child.pid, "SIGKILL");
  }
  return runs.map((run) => ({ status: run.ended.status ?? null, output: fs.readFileSync(run.file, "utf8") }));
}

/** What each backend says when the lock is taken: Terraform's heading, then the backend's own reason. */
const LOCK_REASON: Record<Kind, RegExp> = {
  // pg_try_advisory_lock: the row lock of an existing workspace, or the creation lock of a new one.
  pg: /Error message: (Workspace is already locked|Already locked for workspace creation): default/,
  // The lock file's conditional PUT (If-None-Match: *) refused by the server.
  s3: /StatusCode: 412[\s\S]*PreconditionFailed/,
};

/** One of the two was refused by the lock (and said so), the other succeeded; returns the refusal's text. */
function oneRefusedByTheLock(kind: Kind, runs: Array<{ status: number | null; output: string }>, succeeded: RegExp): string {
  const statuses = runs.map((run) => run.status).sort();
  expect(statuses).toEqual([0, 1]);
  const refused = runs.find((run) => run.status === 1)?.output ?? "";
  const winner = runs.find((run) => run.status === 0)?.output ?? "";
  expect(refused).toContain("Error acquiring the state lock");
  expect(refused).toMatch(LOCK_REASON[kind]);
  expect(refused).toMatch(/Lock Info:\n\s+ID:\s+[0-9a-f-]{36}/);
  expect(winner).toMatch(succeeded);
  return refused.slice(refused.indexOf("Error acquiring the state lock")).split("\n").slice(0, 8).join("\n");
}

/** No lock is left on the server once both runs have ended. */
function noLockLeft(kind: Kind): void {
  if (kind === "pg") {
    const psql = path.join(base.STATE_SERVERS_PG_BIN as string, "psql");
    const locks = mustRun(psql, [backendEnv.pg?.PG_CONN_STR as string, "-Atc", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"], { timeoutSeconds: 30 });
    expect(locks.trim()).toBe("0");
  } else {
    const { key } = readStackFacts(stackDir(kind)).backend.config as { key: string };
    expect(fs.existsSync(path.join(backendEnv.s3?.STATE_DATA_DIR as string, bucket, `${key}.tflock`))).toBe(false);
  }
}

/** The state as the server holds it: PostgreSQL's row, or versitygw's object (a file in its storage folder). */
function stateOnServer(kind: Kind): { serial: number; lineage: string; resources: unknown[] } {
  const { backend } = readStackFacts(stackDir(kind));
  if (kind === "pg") {
    const psql = path.join(base.STATE_SERVERS_PG_BIN as string, "psql");
    const schema = (backend.config as { schema_name: string }).schema_name;
    return JSON.parse(mustRun(psql, [backendEnv.pg?.PG_CONN_STR as string, "-Atc", `SELECT data FROM "${schema}".states WHERE name = 'default'`], { timeoutSeconds: 30 }));
  }
  const { key } = backend.config as { key: string };
  return JSON.parse(fs.readFileSync(path.join(backendEnv.s3?.STATE_DATA_DIR as string, bucket, key), "utf8"));
}

describe.each(KINDS)("shared state on %s", (kind) => {
  beforeAll(async () => {
    if (Object.keys(backendEnv).length === 0) {
      fs.mkdirSync(logs, { recursive: true });
      base = timed("toolchain", () => toolchainEnvironment(path.join(logs, "toolchain.log")));
      timed("state servers (build or reuse)", () => mustRun("scripts/state-servers.sh", ["build"], { env: base, logFile: path.join(logs, "state-servers.log"), timeoutSeconds: 1200 }));
      base = environmentAfter("scripts/state-servers.sh", base);
      backendEnv.pg = await timedAsync("PostgreSQL up (initdb, pg_ctl start)", () => startPostgres(base.STATE_SERVERS_PG_BIN as string));
      backendEnv.s3 = await timedAsync("versitygw up", () => startVersitygw(base.STATE_SERVERS_VERSITYGW as string));
      writeSettings();
      base = { ...base, SETTINGS_DIR: settingsDir, CDKTF_OUTDIR: out, DEPLOY_TARGET: "docker", ENVIRONMENTS: KINDS.map(environment).join(","), TF_VAR_api_db_password: randomBytes(12).toString("hex"), TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
      timed("synth", () => mustRun("node", ["scripts/run-app.js"], { env: base, logFile: path.join(logs, "synth.log"), timeoutSeconds: 120 }));
    }
  });

  test("terraform init takes the shared backend; no secret is in a synthesized file or Terraform's backend record", () => {
    const json = fs.readFileSync(path.join(stackDir(kind), "cdk.tf.json"), "utf8");
    const backend = (JSON.parse(json) as { terraform: { backend: Record<string, unknown> } }).terraform.backend;
    expect(Object.keys(backend)).toEqual([kind]);
    if (kind === "s3") expect(backend.s3).toMatchObject({ use_lockfile: true, use_path_style: true });
    timed(`${kind}: terraform init`, () => terraform(kind, ["init", "-input=false", "-no-color"], `${kind}-init`));
    const secrets = kind === "pg" ? [pgPassword] : [backendEnv.s3?.AWS_ACCESS_KEY_ID, backendEnv.s3?.AWS_SECRET_ACCESS_KEY, backendEnv.s3?.AWS_ENDPOINT_URL_S3];
    for (const file of ["cdk.tf.json", "stack.json", path.join(".terraform", "terraform.tfstate")]) {
      const text = fs.readFileSync(path.join(stackDir(kind), file), "utf8");
      for (const secret of secrets) expect(text).not.toContain(secret as string);
    }
  });

  test("two applies at the same moment: the lock lets one through and refuses the other", async () => {
    const runs = await timedAsync(`${kind}: two applies at once`, () => twiceAtOnce(kind, ["apply", "-input=false", "-no-color", "-auto-approve"], `${kind}-apply`));
    const refusal = oneRefusedByTheLock(kind, runs, /Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
    process.stderr.write(`\n${kind}: the apply the lock refused said:\n${refusal}\n`);
    noLockLeft(kind);
  });

  test("the state is whole: every declared resource, the same on the server as Terraform reads it", () => {
    expect(stateList(kind, `${kind}-state-list`)).toEqual(declaredResources(kind));
    const pulled = JSON.parse(terraform(kind, ["state", "pull"], `${kind}-state-pull`)) as { serial: number; lineage: string; resources: unknown[] };
    const stored = stateOnServer(kind);
    expect({ serial: stored.serial, lineage: stored.lineage, resources: stored.resources.length }).toEqual({ serial: pulled.serial, lineage: pulled.lineage, resources: pulled.resources.length });
    expect(docker("ps", "--filter", mine, "--filter", `label=environment=${environment(kind)}`, "--format", "{{.Names}}")).toBe(`envapi-e2e-${kind}-${suffix}-api-1`);
  });

  test("a plan against throwaway state (PLAN_STATE_DIR, as plan:pr's base mode plans) neither reads nor locks the shared state", () => {
    // GIVEN the applied stack, synthesized apart, and none of the backend's variables
    const before = stateOnServer(kind);
    const plans = path.join(work, "plans", `${kind}-throwaway`);
    const synth = path.join(work, `synth-throwaway-${kind}`);
    const env = { ...base, CDKTF_OUTDIR: synth, ENVIRONMENTS: environment(kind), PLAN_STATE_DIR: path.join(work, `state-throwaway-${kind}`) };
    // WHEN planned with PLAN_STATE_DIR
    timed(`${kind}: plan against throwaway state`, () => mustRun("node", ["scripts/cli.js", "plan", plans], { env, logFile: path.join(logs, `${kind}-plan-throwaway.log`), timeoutSeconds: 300 }));
    // THEN it plans every resource anew (an empty state), and the server's state and locks are as they were
    const [files] = readPlanDir(plans);
    expect(summarizeStack({ ...files, protected: false }).counts).toMatchObject({ add: declaredResources(kind).length, change: 0, replace: 0, destroy: 0 });
    expect(stateOnServer(kind)).toEqual(before);
    noLockLeft(kind);
    // AND the stack folder names its shared backend again
    expect(fs.readdirSync(path.join(synth, "stacks", environment(kind))).filter((file) => file.endsWith("override.tf.json"))).toEqual([]);
  });

  test("the project's plan of the stack shows no changes", () => {
    const plans = path.join(work, "plans", kind);
    timed(`${kind}: plan (npm run plan)`, () => mustRun("node", ["scripts/cli.js", "plan", plans], { env: { ...envOf(kind), ENVIRONMENTS: environment(kind), PLAN_SKIP_SYNTH: "1" }, logFile: path.join(logs, `${kind}-plan.log`), timeoutSeconds: 300 }));
    const [files] = readPlanDir(plans);
    expect(summarizeStack({ ...files, protected: false }).status).toBe("no-changes");
  });

  test("two destroys at the same moment serialize the same way and leave nothing", async () => {
    const runs = await timedAsync(`${kind}: two destroys at once`, () => twiceAtOnce(kind, ["destroy", "-input=false", "-no-color", "-auto-approve"], `${kind}-destroy`));
    oneRefusedByTheLock(kind, runs, /Destroy complete! Resources: \d+ destroyed/);
    noLockLeft(kind);
    expect(stateList(kind, `${kind}-state-list-after-destroy`)).toEqual([]);
    expect(docker("ps", "-a", "--filter", mine, "--filter", `label=environment=${environment(kind)}`, "--format", "{{.Names}}")).toBe("");
  });
});

afterAll(() => {
  // Whatever a failed step left: the stacks' resources (state first, then by label), the servers, state and plans.
  for (const kind of KINDS) {
    if (backendEnv[kind] && fs.existsSync(path.join(stackDir(kind), ".terraform")) && sh(terraformBinary(), [`-chdir=${stackDir(kind)}`, "state", "list"], { env: envOf(kind) }).output.trim()) {
      sh(terraformBinary(), [`-chdir=${stackDir(kind)}`, "destroy", "-input=false", "-no-color", "-auto-approve", "-lock-timeout=60s"], { env: envOf(kind), logFile: path.join(logs, `cleanup-${kind}.log`), timeoutSeconds: 300 });
    }
  }
  for (const [list, remove] of [
    [["ps", "-aq"], ["rm", "-f"]],
    [["network", "ls", "-q"], ["network", "rm"]],
  ] as const) {
    const found = docker(...list, "--filter", mine).split("\n").filter(Boolean);
    if (found.length > 0) docker(...remove, ...found);
  }
  for (const stop of stops.reverse()) stop();
  fs.rmSync(path.join(work, "plans"), { recursive: true, force: true });
  process.stderr.write(timings.report(`Shared state timings (${os.cpus().length} cores; logs in ${logs})`));
});
