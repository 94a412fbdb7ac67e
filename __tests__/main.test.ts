// The app as cdktf runs it (cdktf.json's command): bad input exits non-zero and writes nothing.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_SETTINGS_DIR } from "../settings";

const root = path.resolve(__dirname, "..");

const NEUTRAL_ENV = { TF_PROVIDER_VERSIONS: "", DEPLOY_TARGET: "", ALLOW_DESTROY: "", ENVIRONMENTS: "", SETTINGS_DIR: "" };

/** Runs the app into `keepIn` if given (the caller removes it), else into a folder removed afterwards. */
function runApp(env: Record<string, string>, keepIn?: string) {
  const outdir = keepIn ?? fs.mkdtempSync(path.join(os.tmpdir(), "app-out-"));
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "run-app.js")], {
    cwd: root,
    env: { ...process.env, ...NEUTRAL_ENV, ...env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  const written = fs.readdirSync(outdir);
  if (keepIn === undefined) fs.rmSync(outdir, { recursive: true, force: true });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, written };
}

describe("main (the synth entry point)", () => {
  test("synthesizes one stack per environment; an empty ENVIRONMENTS means all of them", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "app-out-"));
    const { status, written } = runApp({ ENVIRONMENTS: "" }, outdir);
    expect(status).toBe(0);
    expect(written).toEqual(expect.arrayContaining(["manifest.json", "stacks"]));
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["dev", "prod", "staging"]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test("the bundle cdktf runs synthesizes byte for byte what the sources do", () => {
    // GIVEN the stacks synthesized by scripts/run-app.js (the patched, minified bundle)
    const bundled = fs.mkdtempSync(path.join(os.tmpdir(), "app-bundled-"));
    expect(runApp({}, bundled).status).toBe(0);
    // WHEN main.ts runs from the sources, in this process
    const sources = fs.mkdtempSync(path.join(os.tmpdir(), "app-sources-"));
    const saved = { ...process.env };
    Object.assign(process.env, NEUTRAL_ENV, { CDKTF_OUTDIR: sources });
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- main.ts runs on load, as cdktf runs it
      jest.isolateModules(() => require("../main"));
    } finally {
      process.env = saved;
    }
    // THEN every stack is identical
    for (const stack of ["dev", "staging", "prod"]) {
      const read = (dir: string) => fs.readFileSync(path.join(dir, "stacks", stack, "cdk.tf.json"), "utf8");
      expect(read(bundled)).toBe(read(sources));
    }
    for (const dir of [bundled, sources]) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("after a switch of target, the stack folder's record of the other target's backend is forgotten", () => {
    // GIVEN an output folder where staging was last initialized for Docker and dev for Kubernetes
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "app-out-"));
    const record = (stack: string, platform: string) => {
      const file = path.join(outdir, "stacks", stack, ".terraform", "terraform.tfstate");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ backend: { type: "local", config: { path: `../../../.state/${stack}.${platform}.tfstate` } } }));
      return file;
    };
    const [stagingRecord, devRecord] = [record("staging", "docker"), record("dev", "kubernetes")];
    // WHEN the app synthesizes for Kubernetes
    const { status, stdout } = runApp({ DEPLOY_TARGET: "kubernetes" }, outdir);
    // THEN staging's record is gone (terraform init takes the Kubernetes state) and dev's is kept
    expect(status).toBe(0);
    expect(stdout).toContain('staging: switched to kubernetes; terraform init will use its state, not {"path":"../../../.state/staging.docker.tfstate"}');
    expect(fs.existsSync(stagingRecord)).toBe(false);
    expect(fs.existsSync(devRecord)).toBe(true);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test("an invalid settings folder exits 1, lists the problems and writes nothing", () => {
    // GIVEN a copy of the settings with a malformed quantity in staging and a typo in prod
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    for (const file of fs.readdirSync(DEFAULT_SETTINGS_DIR)) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, file), path.join(dir, file));
    fs.appendFileSync(path.join(dir, "staging.yaml"), "quota: { limits: { memory: 4gb } }\n");
    fs.appendFileSync(path.join(dir, "prod.yaml"), "protectd: true\n");
    // WHEN the app runs
    const { status, stderr, written } = runApp({ SETTINGS_DIR: dir });
    // THEN it fails with both messages and no output
    expect(status).toBe(1);
    expect(stderr).toContain('staging: quota.limits.memory "4gb" is not a quantity (try "4Gi")');
    expect(stderr).toContain("prod: protectd is not a known setting");
    expect(written).toEqual([]);
  });

  test.each([
    ["a service listed twice in base.yaml", "base.yaml", (text: string) => `${text}  - name: api\n    image: { repository: envapi, tag: "0.1.0" }\n`, 'base.yaml: services[1] repeats the name "api" of services[0]'],
    ["an image reference with a space", "staging.yaml", (text: string) => text.replace("replicas: 2", 'replicas: 2\n    image: { repository: "env api" }'), 'staging: services.api.image.repository "env api" is not an image repository'],
    ["a newline in an ingress path", "staging.yaml", (text: string) => text.replace("{ host: api.staging.localhost }", '{ host: api.staging.localhost, path: "/a\\n}" }'), 'staging: services.api.ingress.path "/a\\n}" is not a plain path prefix'],
    ["a quote in a missing secret file's path", "staging.yaml", (text: string) => text.replace("replicas: 2", "replicas: 2\n    secrets: [{ name: KEY, from: { file: '/no/such \"file\"' } }]"), `staging: services.api.secrets.KEY.from.file ${JSON.stringify('/no/such "file"')} does not exist`],
  ])("%s: exit 1, a message, no stack trace, nothing written", (_what, file, edit, message) => {
    // GIVEN a copy of the settings with one mistake that used to crash the synth
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    for (const name of fs.readdirSync(DEFAULT_SETTINGS_DIR)) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, name), path.join(dir, name));
    fs.writeFileSync(path.join(dir, file), edit(fs.readFileSync(path.join(dir, file), "utf8")));
    // WHEN the app runs  THEN
    const { status, stderr, written } = runApp({ SETTINGS_DIR: dir });
    expect(status).toBe(1);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(written).toEqual([]);
  });

  test.each([
    [{ ENVIRONMENTS: "qa" }, 'qa: unknown environment "qa" (known: dev, prod, staging)'],
    [{ DEPLOY_TARGET: "nomad" }, 'DEPLOY_TARGET "nomad" is not a platform (valid: kubernetes, docker)'],
    [{ ALLOW_DESTROY: "prdo" }, 'ALLOW_DESTROY "prdo" names no environment being synthesized'],
    [{ TF_PROVIDER_VERSIONS: "kubernetes" }, 'TF_PROVIDER_VERSIONS "kubernetes" is not <provider>=<version>'],
    [{ SETTINGS_DIR: "/nonexistent/settings" }, "/nonexistent/settings: cannot be read as a settings folder (ENOENT; it holds base.yaml and one <environment>.yaml per environment)"],
  ])("bad command-line input %j is refused", (env, message) => {
    const { status, stderr, written } = runApp(env);
    expect(status).toBe(1);
    expect(stderr).toContain(message);
    expect(written).toEqual([]);
  });
});
