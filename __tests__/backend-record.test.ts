import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { backendOf, BackendConfig } from "../settings";
import { forgetOtherTargetBackend, initializedWith } from "../terraform/backend-record";
import { realSpecs } from "./_helpers";

const folders: string[] = [];
afterAll(() => folders.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A stack folder whose `.terraform/terraform.tfstate` records `backend` as `terraform init` writes it. */
function stackFolder(backend?: { type: string; config: Record<string, unknown> }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
  folders.push(dir);
  if (backend) {
    fs.mkdirSync(path.join(dir, ".terraform"));
    fs.writeFileSync(path.join(dir, ".terraform", "terraform.tfstate"), JSON.stringify({ version: 3, serial: 1, backend: { ...backend, hash: 1 } }));
  }
  return dir;
}
const recordIn = (dir: string) => path.join(dir, ".terraform", "terraform.tfstate");
const staging = () => realSpecs().find((spec) => spec.name === "staging")!;
const withNulls = (backend: BackendConfig) => ({ type: backend.type, config: { ...backend.config, workspace_dir: null } });

describe("forgetOtherTargetBackend", () => {
  test("a record of the same environment on the other target is forgotten, and nothing else in the folder", () => {
    // GIVEN staging last initialized for Docker
    const dir = stackFolder(withNulls(backendOf(staging(), "docker")));
    fs.writeFileSync(path.join(dir, ".terraform", "keep"), "");
    // WHEN it synthesizes for Kubernetes
    const forgotten = forgetOtherTargetBackend(dir, backendOf(staging(), "kubernetes"), [backendOf(staging(), "docker")]);
    // THEN the record is gone, so init uses the Kubernetes state; the rest stays
    expect(forgotten).toEqual(backendOf(staging(), "docker"));
    expect(fs.existsSync(recordIn(dir))).toBe(false);
    expect(fs.existsSync(path.join(dir, ".terraform", "keep"))).toBe(true);
  });

  test("a record of another backend is kept, so Terraform still asks to migrate state", () => {
    // GIVEN a folder last initialized with an S3 backend, and one with this target's own state
    const s3 = stackFolder({ type: "s3", config: { bucket: "b", key: "staging/docker", region: "eu-west-1" } });
    const same = stackFolder(withNulls(backendOf(staging(), "kubernetes")));
    // WHEN the stack is synthesized with the local backend for Kubernetes
    // THEN neither record is touched
    expect(forgetOtherTargetBackend(s3, backendOf(staging(), "kubernetes"), [backendOf(staging(), "docker")])).toBeUndefined();
    expect(forgetOtherTargetBackend(same, backendOf(staging(), "kubernetes"), [backendOf(staging(), "docker")])).toBeUndefined();
    expect(fs.existsSync(recordIn(s3))).toBe(true);
    expect(fs.existsSync(recordIn(same))).toBe(true);
  });

  test("a state path set in the settings is per platform too, so the other target's record is forgotten", () => {
    // GIVEN staging with its own state path, last initialized for Docker
    const spec = { ...staging(), backend: { kind: "local" as const, path: "/srv/state/staging.tfstate" } };
    const dir = stackFolder(withNulls(backendOf(spec, "docker")));
    // WHEN it synthesizes for Kubernetes
    const forgotten = forgetOtherTargetBackend(dir, backendOf(spec, "kubernetes"), [backendOf(spec, "docker")]);
    // THEN the Docker record goes: Kubernetes keeps its own file
    expect(forgotten).toEqual({ type: "local", config: { path: "/srv/state/staging.docker.tfstate" } });
    expect(fs.existsSync(recordIn(dir))).toBe(false);
  });

  test("on a shared backend the other target's schema or key is forgotten, and the settings it records are compared as Terraform wrote them", () => {
    // GIVEN staging on PostgreSQL and on S3, last initialized for Docker (Terraform records every attribute, unset ones as null)
    const pg = { ...staging(), backend: { kind: "pg" as const, schemaName: "envapi_staging" } };
    const s3 = { ...staging(), backend: { kind: "s3" as const, bucket: "state", key: "envapi/staging", usePathStyle: true } };
    for (const spec of [pg, s3]) {
      const dir = stackFolder(withNulls(backendOf(spec, "docker")));
      expect(initializedWith(dir, backendOf(spec, "docker"))).toBe(true);
      // WHEN it synthesizes for Kubernetes  THEN the Docker record goes
      expect(forgetOtherTargetBackend(dir, backendOf(spec, "kubernetes"), [backendOf(spec, "docker")])).toEqual(backendOf(spec, "docker"));
      expect(fs.existsSync(recordIn(dir))).toBe(false);
    }
  });

  test("an S3 record without the lock file is another backend: Terraform's init asks about the change", () => {
    // GIVEN a folder initialized by an S3 block without use_lockfile (before this project set it)
    const s3 = { ...staging(), backend: { kind: "s3" as const, bucket: "state", key: "envapi/staging", region: "eu-west-1" } };
    const { use_lockfile: _lockfile, ...withoutLockfile } = backendOf(s3, "docker").config as Record<string, unknown>;
    const dir = stackFolder({ type: "s3", config: withoutLockfile });
    // THEN it is not this stack's backend on either target, and nothing is forgotten
    expect(initializedWith(dir, backendOf(s3, "docker"))).toBe(false);
    expect(forgetOtherTargetBackend(dir, backendOf(s3, "kubernetes"), [backendOf(s3, "docker")])).toBeUndefined();
  });

  test("a folder never initialized has nothing to forget", () => {
    expect(forgetOtherTargetBackend(stackFolder(), backendOf(staging(), "kubernetes"), [backendOf(staging(), "docker")])).toBeUndefined();
  });

  test("an unreadable record is an error naming the file", () => {
    // GIVEN a record that is not JSON
    const dir = stackFolder();
    fs.mkdirSync(path.join(dir, ".terraform"));
    fs.writeFileSync(recordIn(dir), "{");
    // WHEN / THEN
    expect(() => forgetOtherTargetBackend(dir, backendOf(staging(), "kubernetes"), [backendOf(staging(), "docker")])).toThrow(`${recordIn(dir)}: cannot be read as Terraform's backend record`);
  });
});

describe("backendOf", () => {
  test("each platform has its own state: local path, S3 key, HTTP address and PostgreSQL schema", () => {
    const spec = staging();
    expect(backendOf(spec, "kubernetes")).toEqual({ type: "local", config: { path: "../../../.state/staging.kubernetes.tfstate" } });
    const s3 = { ...spec, backend: { kind: "s3" as const, bucket: "b", key: "envapi/staging", region: "eu-west-1" } };
    expect(backendOf(s3, "docker")).toEqual({ type: "s3", config: { bucket: "b", key: "envapi/staging/docker", region: "eu-west-1", use_lockfile: true } });
    const http = { ...spec, backend: { kind: "http" as const, address: "https://state.example/envapi" } };
    expect(backendOf(http, "kubernetes")).toEqual({ type: "http", config: { address: "https://state.example/envapi/kubernetes" } });
    const pg = { ...spec, backend: { kind: "pg" as const, schemaName: "envapi_staging" } };
    expect(backendOf(pg, "docker")).toEqual({ type: "pg", config: { schema_name: "envapi_staging_docker" } });
    const local = { ...spec, backend: { kind: "local" as const, path: "state/staging.tfstate" } };
    expect(backendOf(local, "docker")).toEqual({ type: "local", config: { path: "state/staging.docker.tfstate" } });
    expect(backendOf({ ...spec, backend: { kind: "local" as const, path: "state/staging" } }, "kubernetes")).toEqual({ type: "local", config: { path: "state/staging.kubernetes" } });
  });

  test("S3 always has Terraform's lock file; the switches for S3-compatible servers only when set", () => {
    const s3 = {
      ...staging(),
      backend: { kind: "s3" as const, bucket: "b", key: "k", usePathStyle: true, skipCredentialsValidation: true, skipRequestingAccountId: true, skipRegionValidation: false, skipS3Checksum: true },
    };
    expect(backendOf(s3, "kubernetes").config).toEqual({
      bucket: "b",
      key: "k/kubernetes",
      use_lockfile: true,
      use_path_style: true,
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_region_validation: false,
      skip_s3_checksum: true,
    });
  });
});
