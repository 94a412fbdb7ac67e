// The app as cdktf runs it (cdktf.json's command): bad input exits non-zero and writes nothing.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_SETTINGS_DIR } from "../spec";

const root = path.resolve(__dirname, "..");

function runApp(env: Record<string, string>) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "app-out-"));
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "run-app.js")], {
    cwd: root,
    env: { ...process.env, TF_PROVIDER_VERSIONS: "", DEPLOY_TARGET: "", ALLOW_DESTROY: "", ...env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  const written = fs.readdirSync(outdir);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr, written };
}

describe("main (the synth entry point)", () => {
  test("synthesizes one stack per environment", () => {
    const { status, written } = runApp({});
    expect(status).toBe(0);
    expect(written).toEqual(expect.arrayContaining(["manifest.json", "stacks"]));
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
    [{ ENVIRONMENTS: "qa" }, 'qa: unknown environment "qa" (known: dev, prod, staging)'],
    [{ DEPLOY_TARGET: "nomad" }, 'DEPLOY_TARGET "nomad" is not a platform (valid: kubernetes, docker)'],
    [{ ALLOW_DESTROY: "prdo" }, 'ALLOW_DESTROY "prdo" names no environment being synthesized'],
    [{ TF_PROVIDER_VERSIONS: "kubernetes" }, 'TF_PROVIDER_VERSIONS "kubernetes" is not <provider>=<version>'],
  ])("bad command-line input %j is refused", (env, message) => {
    const { status, stderr, written } = runApp(env);
    expect(status).toBe(1);
    expect(stderr).toContain(message);
    expect(written).toEqual([]);
  });
});
