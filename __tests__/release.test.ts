// The release command's refusals and its lock, without Docker: a fake deploy records what would be applied.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandError } from "../cli/_processes";
import { release, ReleaseContext, rollback } from "../cli/release";
import { DEFAULT_SETTINGS_DIR } from "../settings";

function fixture(staging: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
  fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, "base.yaml"), path.join(dir, "base.yaml"));
  fs.writeFileSync(path.join(dir, "staging.yaml"), staging);
  return dir;
}

const STAGING = `namespace: envapi-staging
target: { platform: docker, docker: { ingressPort: 8082 } }
services:
  - name: api
    replicas: 2
    ingress: { host: api.staging.localhost }
`;

function context() {
  const deployed: string[] = [];
  const logged: string[] = [];
  const value: ReleaseContext = {
    deploy: (environment) => {
      deployed.push(environment);
      return Promise.resolve();
    },
    log: (message) => logged.push(message),
  };
  return { value, deployed, logged };
}

const env = (dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ SETTINGS_DIR: dir, DEPLOY_TARGET: "", ...extra });

describe("release command", () => {
  test("nothing to release without a canary tag: refused before anything is applied", async () => {
    const { value, deployed } = context();
    await expect(release("staging", env(fixture(STAGING)), value)).rejects.toThrow(new CommandError("staging: nothing to release: services.api.grayRelease.canaryTag is not set"));
    expect(deployed).toEqual([]);
  });

  test("Kubernetes behind an Ingress is refused: its weights would be replica shares, not exact", async () => {
    const { value, deployed } = context();
    const dir = fixture(`${STAGING}ingressController: { routing: ingress }\n`);
    await expect(release("staging", env(dir, { DEPLOY_TARGET: "kubernetes" }), value)).rejects.toThrow(
      new CommandError('staging: a release on Kubernetes needs exact weights: ingressController.routing is "ingress", where a canary\'s share is its share of the replicas (set routing: gateway)'),
    );
    expect(deployed).toEqual([]);
  });

  test("Kubernetes behind a Gateway is released (here refused only for want of a canary tag)", async () => {
    const { value } = context();
    await expect(release("staging", env(fixture(STAGING), { DEPLOY_TARGET: "kubernetes" }), value)).rejects.toThrow(/nothing to release/);
  });

  test("one release at a time: a live lock refuses, a dead process's lock is cleared", async () => {
    // GIVEN a lock held by a running process (this one)
    const dir = fixture(STAGING);
    fs.mkdirSync(path.join(dir, "releases"));
    const lock = path.join(dir, "releases", "staging.lock");
    fs.writeFileSync(lock, String(process.pid));
    const { value, logged } = context();
    await expect(release("staging", env(dir), value)).rejects.toThrow(`staging: a release or rollback is running (process ${process.pid}, ${lock})`);
    // WHEN its process is gone  THEN the next run clears it (and goes on, here to "nothing to release"), leaving no lock
    fs.writeFileSync(lock, "2147483646");
    await expect(release("staging", env(dir), value)).rejects.toThrow(/nothing to release/);
    expect(logged).toContain(`cleared the stale lock of process 2147483646 (${lock})`);
    expect(fs.existsSync(lock)).toBe(false);
  });

  test("rollback needs a promoted release in the history", async () => {
    const dir = fixture(STAGING);
    const { value, deployed } = context();
    await expect(rollback("staging", env(dir), value)).rejects.toThrow(`staging: no promoted release to roll back (${path.join(dir, "releases", "staging.json")})`);
    expect(deployed).toEqual([]);
  });
});
