// The environment variables a shared backend reads at deploy time: every problem named before Terraform runs, and
// no value that may hold a secret in a message.
import { BackendConfig } from "../settings";
import { backendEnvironmentProblems, BackendEnvironmentError, requireBackendEnvironment } from "../terraform/backend-environment";

const pg: BackendConfig = { type: "pg", config: { schema_name: "envapi_staging_docker" } };
const s3: BackendConfig = { type: "s3", config: { bucket: "state", key: "envapi/staging/docker", region: "us-east-1", use_lockfile: true } };
const s3NoRegion: BackendConfig = { type: "s3", config: { bucket: "state", key: "envapi/staging/docker", use_lockfile: true } };

describe("backend environment", () => {
  test("pg needs PG_CONN_STR, a postgres:// URL, and never shows it", () => {
    // GIVEN no connection string, then one that is not a URL but holds a password
    expect(backendEnvironmentProblems("staging", pg, {})).toEqual([
      "staging: PG_CONN_STR is not set (the pg backend reads its connection string from it, e.g. postgres://terraform@db.internal:5432/state; the password from it too, or from PGPASSWORD)",
    ]);
    const problems = backendEnvironmentProblems("staging", pg, { PG_CONN_STR: "host=db password=hunter2" });
    expect(problems).toEqual(["staging: PG_CONN_STR is not a postgres:// or postgresql:// URL (the value is not shown: it may hold a password)"]);
    expect(problems.join("")).not.toContain("hunter2");
    // WHEN it is a URL  THEN nothing is wrong
    expect(backendEnvironmentProblems("staging", pg, { PG_CONN_STR: "postgresql://terraform:hunter2@127.0.0.1:5432/state?sslmode=disable" })).toEqual([]);
  });

  test("s3: the endpoint is an http(s) URL without credentials, a region comes from the settings or AWS_REGION, keys come in pairs", () => {
    expect(backendEnvironmentProblems("dev", s3, { AWS_ENDPOINT_URL_S3: "127.0.0.1:7070" })).toEqual([
      "dev: AWS_ENDPOINT_URL_S3 is not an http:// or https:// URL (the S3 server the s3 backend talks to, e.g. http://127.0.0.1:7070)",
    ]);
    const withCredentials = backendEnvironmentProblems("dev", s3, { AWS_ENDPOINT_URL_S3: "http://key:secret@127.0.0.1:7070" });
    expect(withCredentials).toEqual(["dev: AWS_ENDPOINT_URL_S3 http://***:***@127.0.0.1:7070/ holds credentials (give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"]);
    expect(backendEnvironmentProblems("dev", s3NoRegion, {})).toEqual(["dev: neither backend.region nor AWS_REGION is set (the s3 backend needs a region, e.g. AWS_REGION=us-east-1)"]);
    expect(backendEnvironmentProblems("dev", s3NoRegion, { AWS_REGION: "US East" })).toEqual(['dev: AWS_REGION "US East" is not a region name (lowercase letters, digits and "-", e.g. "us-east-1")']);
    expect(backendEnvironmentProblems("dev", s3NoRegion, { AWS_DEFAULT_REGION: "eu-west-1" })).toEqual([]);
    expect(backendEnvironmentProblems("dev", s3, { AWS_ACCESS_KEY_ID: "id" })).toEqual(["dev: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not (set both, or neither to use a profile)"]);
    expect(backendEnvironmentProblems("dev", s3, { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:7070", AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" })).toEqual([]);
  });

  test("local and http read nothing from the environment here", () => {
    expect(backendEnvironmentProblems("dev", { type: "local", config: { path: "x.tfstate" } }, {})).toEqual([]);
    expect(backendEnvironmentProblems("dev", { type: "http", config: { address: "https://state.example/x" } }, {})).toEqual([]);
  });

  test("every problem of every stack is reported at once", () => {
    // GIVEN two stacks, each missing what its backend needs  WHEN required  THEN one error lists both
    const attempt = () => requireBackendEnvironment([{ stack: "dev", backend: pg }, { stack: "prod", backend: s3NoRegion }], {});
    expect(attempt).toThrow(BackendEnvironmentError);
    expect(attempt).toThrow(/^Invalid backend environment \(2 problems\):\n {2}- dev: PG_CONN_STR is not set .*\n {2}- prod: neither backend.region nor AWS_REGION is set/);
  });
});
