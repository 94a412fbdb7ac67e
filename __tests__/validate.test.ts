// One test per validation rule, each expecting the message a user sees.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, loadEnvironments } from "../spec";
import { problemsWith } from "./_helpers";

const api = (patch: Record<string, unknown>) => ({ services: [{ name: "api", ...patch }] });

describe("settings validation", () => {
  test("the shipped settings are valid", () => {
    // GIVEN the settings in environments/  WHEN validated  THEN no problem is reported
    expect(problemsWith({})).toEqual([]);
  });

  test.each<[string, Record<string, Record<string, unknown>>, string]>([
    ["unknown key (typo)", { staging: api({ replcas: 3 }) }, "staging: services.api.replcas is not a known setting (valid here: name, image, port, replicas,"],
    ["unknown top-level key", { prod: { namespaec: "x" } }, "prod: namespaec is not a known setting"],
    ["bad Kubernetes name", { staging: { namespace: "Envapi_Staging" } }, 'staging: namespace "Envapi_Staging" is not a valid Kubernetes name (DNS-1123 label'],
    ["bad service name", { dev: api({ name: "API" }) }, 'dev: services.API.name "API" is not a valid Kubernetes name'],
    ["malformed quantity", { staging: api({ resources: { limits: { memory: "512mb" } } }) }, 'staging: services.api.resources.limits.memory "512mb" is not a quantity (try "512Mi")'],
    ["limit below request", { staging: api({ resources: { requests: { cpu: "500m" }, limits: { cpu: "250m" } } }) }, 'staging: services.api.resources.limits.cpu "250m" is below the request "500m" (a limit must be at least its request)'],
    ["replicas below 1", { dev: api({ replicas: 0 }) }, "dev: services.api.replicas 0 must be at least 1"],
    ["protected with 1 replica", { prod: api({ replicas: 1 }) }, "prod: services.api.replicas 1 is too few for a protected environment (at least 2)"],
    ["protected without disruption budget", { prod: api({ disruptionBudget: { enabled: false } }) }, "prod: services.api.disruptionBudget.enabled false is not allowed in a protected environment (a disruption budget is required)"],
    ["probe path without slash", { staging: api({ probes: { readiness: { path: "readyz" } } }) }, 'staging: services.api.probes.readiness.path "readyz" is not an HTTP path (it must start with "/")'],
    ["port out of range", { dev: api({ port: 70000 }) }, "dev: services.api.port 70000 is not a valid port (1-65535)"],
    ["docker ingress port out of range", { dev: { target: { docker: { ingressPort: 0 } } } }, "dev: target.docker.ingressPort 0 is not a valid port (1-65535)"],
    ["duplicate ingress host", { prod: api({ ingress: { host: "api.staging.localhost" } }) }, 'staging: services.api.ingress.host "api.staging.localhost" is already used by prod service api (ingress hosts must be unique across environments)'],
    ["shared namespace", { prod: { namespace: "envapi-staging" } }, 'staging: namespace "envapi-staging" is already used by prod (every environment needs its own namespace)'],
    ["canary weight above 100", { staging: api({ grayRelease: { canaryWeight: 150 } }) }, "staging: services.api.grayRelease.canaryWeight 150 must be between 0 and 100"],
    ["canary weight below 0", { staging: api({ grayRelease: { canaryWeight: -5 } }) }, "staging: services.api.grayRelease.canaryWeight -5 must be between 0 and 100"],
    ["canary without tag", { dev: api({ grayRelease: { canaryWeight: 25 } }) }, "dev: services.api.grayRelease.canaryTag (missing) is missing: a canary weight of 25 needs the canary image tag"],
    ["secret without source", { staging: api({ secrets: [{ name: "DB_PASSWORD", from: null }] }) }, 'staging: services.api.secrets.DB_PASSWORD.from (missing) has no source (set "env: TF_VAR_<name>" or "file: <path>"'],
    ["secret env not a TF_VAR", { staging: api({ secrets: [{ name: "DB_PASSWORD", from: { env: "DB_PASSWORD" } }] }) }, 'staging: services.api.secrets.DB_PASSWORD.from.env "DB_PASSWORD" is not a Terraform variable environment name'],
    ["latest outside dev", { staging: api({ image: { tag: "latest" } }) }, 'staging: services.api.image.tag "latest" is only allowed in dev (pin a version tag)'],
    ["wrong type", { staging: api({ replicas: "two" }) }, 'staging: services.api.replicas "two" has the wrong type (expected number, received string)'],
    ["autoscaling max below min", { staging: api({ autoscaling: { maxReplicas: 1 } }) }, "staging: services.api.autoscaling.maxReplicas 1 is below minReplicas (2)"],
  ])("%s", (_rule, patches, message) => {
    // GIVEN the real settings with one mistake  WHEN validated  THEN the message names env, path, value and what is valid
    const problems = problemsWith(patches);
    expect(problems.some((problem) => problem.startsWith(message))).toBe(true);
  });

  test("latest is allowed in dev", () => {
    // GIVEN dev runs the latest tag (as shipped)  WHEN validated  THEN that is no problem
    expect(problemsWith({ dev: api({ image: { tag: "latest" } }) })).toEqual([]);
  });

  test("all problems of a config are reported together", () => {
    // GIVEN three mistakes in two environments
    const problems = problemsWith({ staging: api({ replicas: 0, port: 0 }), prod: api({ replicas: 1 }) });
    // THEN all three are reported
    expect(problems).toHaveLength(3);
  });

  test("an unknown environment name is refused with the known ones", () => {
    // WHEN a command asks for an environment that has no settings file  THEN the error lists the known ones
    expect(() => loadEnvironments(undefined, { only: ["qa"] })).toThrow('qa: unknown environment "qa" (known: dev, prod, staging)');
  });

  test("a YAML syntax error names the file", () => {
    // GIVEN a settings folder whose staging file is not YAML
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    fs.writeFileSync(path.join(dir, "base.yaml"), "project: envapi\n");
    fs.writeFileSync(path.join(dir, "staging.yaml"), "namespace: [unclosed\n");
    // THEN loading reports the file
    expect(() => loadEnvironments(dir)).toThrow(ConfigError);
    expect(() => loadEnvironments(dir)).toThrow(/staging\.yaml: cannot be read as YAML/);
  });
});
