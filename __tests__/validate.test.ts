// One test per validation rule, each expecting the message a user sees.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, DEFAULT_SETTINGS_DIR, loadEnvironments, validateEnvironments, ValidateOptions } from "../settings";
import { patchedSettings, problemsWith } from "./_helpers";

function validationProblems(layered: Map<string, unknown>, options: ValidateOptions): string[] {
  try {
    validateEnvironments(layered, options);
    return [];
  } catch (error) {
    return [...(error as ConfigError).problems];
  }
}

const api = (patch: Record<string, unknown>) => ({ services: [{ name: "api", ...patch }] });

describe("settings validation", () => {
  test("the shipped settings are valid", () => {
    // GIVEN the settings in environments/  WHEN validated  THEN no problem is reported
    expect(problemsWith({})).toEqual([]);
  });

  test.each<[string, Record<string, Record<string, unknown>>, string]>([
    ["unknown key (typo)", { staging: api({ replcas: 3 }) }, "staging: services.api.replcas is not a known setting (valid here: name, kind, image, port, replicas,"],
    ["unknown top-level key", { prod: { namespaec: "x" } }, "prod: namespaec is not a known setting"],
    ["bad Kubernetes name", { staging: { namespace: "Envapi_Staging" } }, 'staging: namespace "Envapi_Staging" is not a valid Kubernetes name (DNS-1123 label'],
    ["bad service name", { dev: api({ name: "API" }) }, 'dev: services.API.name "API" is not a valid Service name (DNS-1035 label'],
    ["malformed quantity", { staging: api({ resources: { limits: { memory: "512mb" } } }) }, 'staging: services.api.resources.limits.memory "512mb" is not a quantity (try "512Mi")'],
    ["limit below request", { staging: api({ resources: { requests: { cpu: "500m" }, limits: { cpu: "250m" } } }) }, 'staging: services.api.resources.limits.cpu "250m" is below the request "500m" (a limit must be at least its request)'],
    ["replicas below 1", { dev: api({ replicas: 0 }) }, "dev: services.api.replicas 0 is not a whole number from 1 to 2147483647"],
    ["protected with 1 replica", { prod: api({ replicas: 1 }) }, "prod: services.api.replicas 1 is too few for a protected environment (at least 2)"],
    ["protected without disruption budget", { prod: api({ disruptionBudget: { enabled: false } }) }, "prod: services.api.disruptionBudget.enabled false is not allowed in a protected environment (a disruption budget is required)"],
    ["probe path without slash", { staging: api({ probes: { readiness: { path: "readyz" } } }) }, 'staging: services.api.probes.readiness.path "readyz" is not an HTTP path (starts with "/"'],
    ["port out of range", { dev: api({ port: 70000 }) }, "dev: services.api.port 70000 is not a valid port (1-65535)"],
    ["docker ingress port out of range", { dev: { target: { docker: { ingressPort: 0 } } } }, "dev: target.docker.ingressPort 0 is not a valid port (1-65535)"],
    ["duplicate ingress host", { prod: api({ ingress: { host: "api.staging.localhost" } }) }, 'staging: services.api.ingress.host "api.staging.localhost" is already used by prod service api (ingress hosts must be unique across environments)'],
    ["shared namespace", { prod: { namespace: "envapi-staging" } }, 'staging: namespace "envapi-staging" is already used by prod (every environment needs its own namespace)'],
    ["canary weight above 100", { staging: api({ grayRelease: { canaryWeight: 150 } }) }, "staging: services.api.grayRelease.canaryWeight 150 is not a whole percentage from 0 to 100"],
    ["canary weight below 0", { staging: api({ grayRelease: { canaryWeight: -5 } }) }, "staging: services.api.grayRelease.canaryWeight -5 is not a whole percentage from 0 to 100"],
    ["release steps not rising to 100", { staging: api({ grayRelease: { steps: [25, 5] } }) }, "staging: services.api.grayRelease.steps [25,5] is not a rising list of weights ending at 100 (e.g. [5, 25, 100])"],
    ["analysis window too short", { staging: api({ grayRelease: { analysis: { windowSeconds: 1 } } }) }, "staging: services.api.grayRelease.analysis.windowSeconds 1 is not a whole number of seconds from 5 to 3600"],
    ["analysis success above 100", { staging: api({ grayRelease: { analysis: { minSuccessPercent: 101 } } }) }, "staging: services.api.grayRelease.analysis.minSuccessPercent 101 is not a percentage from 0 to 100"],
    ["canary without tag", { dev: api({ grayRelease: { canaryWeight: 25 } }) }, "dev: services.api.grayRelease.canaryTag (missing) is missing: a canary weight of 25 needs the canary image tag"],
    ["secret without source", { staging: api({ secrets: [{ name: "DB_PASSWORD", from: null }] }) }, 'staging: services.api.secrets.DB_PASSWORD.from (missing) has no source (set "env: TF_VAR_<name>" or "file: <path>"'],
    ["secret env not a TF_VAR", { staging: api({ secrets: [{ name: "DB_PASSWORD", from: { env: "DB_PASSWORD" } }] }) }, 'staging: services.api.secrets.DB_PASSWORD.from.env (a value of 11 characters, not shown: a secret\'s place) is not a Terraform variable environment name'],
    ["latest outside dev", { staging: api({ image: { tag: "latest" } }) }, 'staging: services.api.image.tag "latest" is only allowed in dev (pin a version tag)'],
    ["wrong type", { staging: api({ replicas: "two" }) }, 'staging: services.api.replicas "two" has the wrong type (expected number, received string)'],
    ["autoscaling max below min", { staging: api({ autoscaling: { maxReplicas: 1 } }) }, "staging: services.api.autoscaling.maxReplicas 1 is below minReplicas (2)"],
    ["ephemeral storage not a quantity", { staging: api({ resources: { limits: { ephemeralStorage: "1GB" } } }) }, 'staging: services.api.resources.limits.ephemeralStorage "1GB" is not a quantity (try "1Gi")'],
    ["ephemeral storage request above its default limit", { staging: api({ resources: { requests: { ephemeralStorage: "1Gi" } } }) }, 'staging: services.api.resources.limits.ephemeralStorage (missing) is below the request "1Gi" (a limit must be at least its request); the default limit is "256Mi"'],
    ["image digest malformed", { dev: api({ image: { digest: "sha256:abc" } }) }, 'dev: services.api.image.digest "sha256:abc" is not an image digest ("sha256:" and 64 lowercase hex digits)'],
    ["image digest of an image built here", { dev: api({ image: { digest: `sha256:${"a".repeat(64)}` } }) }, `dev: services.api.image.digest "sha256:${"a".repeat(64)}" is set, but the image is built here from "app" (its digest is known only after the build; leave it out)`],
    // the egress allow-list
    ["egress CIDR not a block", { staging: { egress: [{ cidr: "10.20.0.0/33" }] } }, 'staging: egress.0.cidr "10.20.0.0/33" is not an IP block in CIDR notation (e.g. "10.20.0.0/16" or "2001:db8::/32")'],
    ["metrics scraper with two sources", { staging: { metricsScraper: { cidr: "10.244.0.1/32", namespace: "monitoring" } } }, 'staging: metricsScraper {"cidr":"10.244.0.1/32","namespace":"monitoring"} names two sources (set either "cidr" or "namespace")'],
    ["metrics scraper block that is no block", { staging: { metricsScraper: { cidr: "node" } } }, 'staging: metricsScraper.cidr "node" is not an IP block in CIDR notation'],
    ["analysis source unknown", { staging: api({ grayRelease: { analysis: { source: "graphite" } } }) }, 'staging: services.api.grayRelease.analysis.source "graphite" is not one of'],
    ["egress without a destination", { staging: { egress: [{ ports: [{ port: 443 }] }] } }, 'staging: egress.0 {"ports":[{"port":443}]} names no destination (set "cidr: <block>" or "namespace: <name>")'],
    ["egress with two destinations", { staging: { egress: [{ cidr: "10.0.0.0/8", namespace: "db" }] } }, 'staging: egress.0 {"cidr":"10.0.0.0/8","namespace":"db"} names two destinations (set either "cidr" or "namespace"; list them as two entries)'],
    ["egress namespace not a name", { staging: { egress: [{ namespace: "Monitoring" }] } }, 'staging: egress.0.namespace "Monitoring" is not a valid Kubernetes name (DNS-1123 label'],
    ["egress port out of range", { staging: { egress: [{ cidr: "10.0.0.0/8", ports: [{ port: 0 }] }] } }, "staging: egress.0.ports.0.port 0 is not a valid port (1-65535)"],
    ["egress protocol unknown", { staging: { egress: [{ cidr: "10.0.0.0/8", ports: [{ port: 53, protocol: "ICMP" }] }] } }, 'staging: egress.0.ports.0.protocol "ICMP"'],
    // names and labels exactly as Kubernetes defines them
    ["Service name starting with a digit", { dev: api({ name: "1api" }) }, 'dev: services.1api.name "1api" is not a valid Service name (DNS-1035 label'],
    ["namespace over 63 characters", { dev: { namespace: "a".repeat(64) } }, `dev: namespace "${"a".repeat(64)}" is not a valid Kubernetes name (DNS-1123 label: lowercase letters, digits and "-", alphanumeric at both ends, at most 63 characters; this one has 64)`],
    ["label key name over 63 characters", { dev: { labels: { ["k".repeat(64)]: "x" } } }, `dev: labels key "${"k".repeat(64)}" is not a valid label key (valid: a name of at most 63`],
    ["label key prefix not a subdomain", { dev: { labels: { "Example.com/team": "x" } } }, 'dev: labels key "Example.com/team" is not a valid label key: its prefix "Example.com" is not a DNS-1123 subdomain'],
    ["label value over 63 characters", { dev: { labels: { team: "v".repeat(64) } } }, 'dev: labels.team "vvvv'],
    ["ingress class not a name", { dev: api({ ingress: { className: "Nginx Class" } }) }, 'dev: services.api.ingress.className "Nginx Class" is not a valid name (DNS-1123 subdomain'],
    // numbers within the API's int32 ranges; non-finite numbers as the file wrote them
    ["replicas beyond int32", { dev: api({ replicas: 2 ** 31 }) }, "dev: services.api.replicas 2147483648 is not a whole number from 1 to 2147483647"],
    ["replicas .inf", { dev: api({ replicas: Infinity }) }, "dev: services.api.replicas .inf is not a whole number from 1 to 2147483647"],
    ["probe timeout .nan", { dev: api({ probes: { liveness: { timeoutSeconds: NaN } } }) }, "dev: services.api.probes.liveness.timeoutSeconds .nan is not a number (expected number)"],
    ["quota pods -.inf", { dev: { quota: { pods: -Infinity } } }, "dev: quota.pods -.inf is not a whole number"],
    ["config number .inf", { dev: api({ config: { LIMIT: Infinity } }) }, "dev: services.api.config.LIMIT .inf is not a number a config value can hold (finite and below 1e21"],
    ["config value that is a list", { dev: api({ config: { LIST: ["a"] } }) }, 'dev: services.api.config.LIST ["a"] is not text, a number or true/false'],
    // image references by the OCI distribution reference grammar
    ["image repository with a space", { dev: api({ image: { repository: "env api" } }) }, 'dev: services.api.image.repository "env api" is not an image repository (OCI reference grammar'],
    ["image repository in capitals", { dev: api({ image: { repository: "EnvAPI" } }) }, 'dev: services.api.image.repository "EnvAPI" is not an image repository'],
    ["image repository with a tag in it", { dev: api({ image: { repository: "envapi:1" } }) }, 'dev: services.api.image.repository "envapi:1" is not an image repository'],
    ["image tag starting with a dot", { dev: api({ image: { tag: ".1" } }) }, 'dev: services.api.image.tag ".1" is not an image tag'],
    ["canary tag with a newline", { staging: api({ grayRelease: { canaryTag: "0.2\n" } }) }, 'staging: services.api.grayRelease.canaryTag "0.2\\n" is not an image tag'],
    // strict paths: nothing that changes a generated file's structure
    ["ingress path with a newline", { dev: api({ ingress: { path: "/a\n}\nrespond 200" } }) }, 'dev: services.api.ingress.path "/a\\n}\\nrespond 200" is not a plain path prefix'],
    ["probe path with a brace", { dev: api({ probes: { readiness: { path: "/{env.SECRET}" } } }) }, 'dev: services.api.probes.readiness.path "/{env.SECRET}" is not an HTTP path'],
    // provider and backend settings
    ["kube context with a newline", { dev: { target: { kubernetes: { context: "kind\nx" } } } }, 'dev: target.kubernetes.context "kind\\nx" is not a kubeconfig context name'],
    ["docker host that is an expression", { dev: { target: { docker: { host: "${file(\"/etc/passwd\")}" } } } }, 'dev: target.docker.host "${file(\\"/etc/passwd\\")}" is not a Docker host address'],
    ["unknown platform", { dev: { target: { platform: "nomad" } } }, 'dev: target.platform "nomad" is not one of kubernetes, docker'],
    ["unknown backend kind", { dev: { backend: { kind: "gcs" } } }, 'dev: backend.kind "gcs" is not a known kind (valid: local, s3, http, pg)'],
    ["unknown backend setting", { dev: { backend: { kind: "s3", bucket: "b-1", key: "k", region: "r", table: "t" } } }, "dev: backend.table is not a known setting (valid here: kind, bucket, key, region, usePathStyle, skipCredentialsValidation, skipRequestingAccountId, skipRegionValidation, skipS3Checksum)"],
    ["s3 switch not a boolean", { dev: { backend: { kind: "s3", bucket: "state", key: "k", usePathStyle: "yes" } } }, 'dev: backend.usePathStyle "yes" has the wrong type (expected boolean, received string)'],
    ["s3 credentials in settings", { dev: { backend: { kind: "s3", bucket: "state", key: "k", secret_key: "abc" } } }, "dev: backend.secret_key is not a known setting"],
    ["pg schema with upper case", { dev: { backend: { kind: "pg", schemaName: "EnvApi" } } }, 'dev: backend.schemaName "EnvApi" is not a PostgreSQL schema name here (lowercase letters, digits and "_", not starting with a digit or "pg_", at most 52 characters: "_<platform>" is appended)'],
    ["pg schema reserved prefix", { dev: { backend: { kind: "pg", schemaName: "pg_state" } } }, 'dev: backend.schemaName "pg_state" is not a PostgreSQL schema name here'],
    ["pg schema too long for the platform suffix", { dev: { backend: { kind: "pg", schemaName: "s".repeat(53) } } }, `dev: backend.schemaName "${"s".repeat(53)}" is not a PostgreSQL schema name here`],
    ["pg connection string in settings", { dev: { backend: { kind: "pg", schemaName: "envapi_dev", connStr: "postgres://u:p@db/state" } } }, "dev: backend.connStr is not a known setting (valid here: kind, schemaName)"],
    ["s3 bucket name", { dev: { backend: { kind: "s3", bucket: "My_Bucket", key: "k", region: "r" } } }, 'dev: backend.bucket "My_Bucket" is not an S3 bucket name'],
    ["http backend not a URL", { dev: { backend: { kind: "http", address: "state server" } } }, 'dev: backend.address "state server" is not an http:// or https:// URL'],
    ["ingress host not a host name", { dev: api({ ingress: { host: "api_dev.localhost" } }) }, 'dev: services.api.ingress.host "api_dev.localhost" is not a valid host name (dot-separated lowercase labels'],
    ["ingress host with a label of 64 characters", { dev: api({ ingress: { host: `${"a".repeat(64)}.localhost` } }) }, `dev: services.api.ingress.host "${"a".repeat(64)}.localhost" is not a valid host name: its label "aaaaaaaaaaaaaaaaaaaa..." has 64 characters (dot-separated`],
    ["ingress host an IP address", { dev: api({ ingress: { host: "10.0.0.1" } }) }, 'dev: services.api.ingress.host "10.0.0.1" is an IP address, not a host name'],
    ["ingress path with an empty segment", { dev: api({ ingress: { path: "//api" } }) }, 'dev: services.api.ingress.path "//api" has an empty, "." or ".." segment'],
    ["ingress path ending in ..", { dev: api({ ingress: { path: "/api/.." } }) }, 'dev: services.api.ingress.path "/api/.." has an empty, "." or ".." segment'],
    ["probe command with a NUL", { dev: api({ probes: { liveness: { exec: ["/app", "a\u0000b"] } } }) }, 'dev: services.api.probes.liveness.exec.1 "a\\u0000b" holds a NUL character, which no command argument can'],
    ["sidecar argument with a NUL", { dev: api({ sidecars: [{ name: "cache", image: { repository: "memcached", tag: "1.6" }, args: ["-m\u0000"], liveness: { tcpPort: 11211 } }] }) }, 'dev: services.api.sidecars.cache.args.0 "-m\\u0000" holds a NUL character'],
    ["a sidecar probed on the service's own port", { dev: api({ sidecars: [{ name: "cache", image: { repository: "memcached", tag: "1.6" }, liveness: { tcpPort: 8080 } }] }) }, "dev: services.api.sidecars.cache.liveness.tcpPort 8080 is the service's own port: the check would probe the service, not the sidecar"],
    ["a config key over 253 characters", { dev: api({ config: { ["K".repeat(254)]: "v" } }) }, `dev: services.api.config key "${"K".repeat(40)}… (254 characters)" is a key of 254 characters, more than a ConfigMap key can hold (253)`],
    ["two volumes at one path", { dev: api({ volumes: [{ name: "a", mountPath: "/var/cache" }, { name: "b", mountPath: "/var/cache" }] }) }, "dev: services.api.volumes.b.mountPath \"/var/cache\" is volume a's mount path too (one volume per path)"],
    ["a volume over the secrets directory", { dev: api({ volumes: [{ name: "a", mountPath: "/run" }] }) }, 'dev: services.api.volumes.a.mountPath "/run" overlaps /run/secrets, where the service\'s secrets are files'],
    ["kube config path with a newline", { dev: { target: { kubernetes: { configPath: "~/.kube/config\nx" } } } }, 'dev: target.kubernetes.configPath "~/.kube/config\\nx" is not a file path'],
    ["s3 key starting with a slash", { dev: { backend: { kind: "s3", bucket: "state", key: "/envapi", region: "r" } } }, 'dev: backend.key "/envapi" is not a state key'],
    ["s3 region with a space", { dev: { backend: { kind: "s3", bucket: "state", key: "k", region: "eu west" } } }, 'dev: backend.region "eu west" is not a region name'],
    ["local state path with a newline", { dev: { backend: { kind: "local", path: "state\n.tfstate" } } }, 'dev: backend.path "state\\n.tfstate" contains a control character'],
    ["config value with a NUL", { dev: api({ config: { GREETING: "a\u0000b" } }) }, 'dev: services.api.config.GREETING "a\\u0000b" contains a NUL character, which no environment variable can hold'],
    ["secret file path with a newline", { dev: api({ secrets: [{ name: "DB_PASSWORD", from: { env: null, file: "a\nb" } }] }) }, 'dev: services.api.secrets.DB_PASSWORD.from.file (a value of 3 characters, not shown: a secret\'s place) contains a control character'],
    // workload kinds, probe kinds, image sources, sidecars and volumes
    ["worker with a port", { dev: { services: [{ name: "api" }, { name: "consumer", kind: "worker", image: { repository: "consumer", tag: "1" }, port: 9000, probes: { liveness: { exec: ["/x"] } } }] } }, "dev: services.consumer.port 9000 is set, but a worker serves no HTTP (remove it, or make the service kind: http)"],
    ["worker with an ingress", { dev: { services: [{ name: "api" }, { name: "consumer", kind: "worker", image: { repository: "consumer", tag: "1" }, ingress: { host: "c.dev.localhost", path: "/", className: "nginx" }, probes: { liveness: { exec: ["/x"] } } }] } }, "dev: services.consumer.ingress"],
    ["worker without a liveness check", { dev: { services: [{ name: "api" }, { name: "consumer", kind: "worker", image: { repository: "consumer", tag: "1" } }] } }, "dev: services.consumer.probes.liveness (missing) needs a check: a worker has no HTTP default (set exec: [command, ...] or tcpPort)"],
    ["worker with an HTTP probe", { dev: { services: [{ name: "api" }, { name: "consumer", kind: "worker", image: { repository: "consumer", tag: "1" }, probes: { liveness: { path: "/livez" } } }] } }, 'dev: services.consumer.probes.liveness.path "/livez" is an HTTP check, but a worker serves no HTTP (use tcpPort or exec)'],
    ["unknown kind", { dev: api({ kind: "cron" }) }, 'dev: services.api.kind "cron" is not one of http, worker'],
    ["probe with two checks", { dev: api({ probes: { liveness: { path: "/livez", exec: ["/x"] } } }) }, "dev: services.api.probes.liveness {\"path\":\"/livez\",\"exec\":[\"/x\"]} sets path and exec (a probe is one check: path for HTTP, tcpPort or exec)"],
    ["image build folder outside the project", { dev: api({ image: { build: "../elsewhere" } }) }, 'dev: services.api.image.build "../elsewhere" is not a folder of this repository'],
    ["sidecar named like its service", { dev: api({ sidecars: [{ name: "api", image: { repository: "memcached", tag: "1.6" } }] }) }, 'dev: services.api.sidecars.api.name "api" is the service\'s own container name (name the sidecar apart)'],
    ["sidecar mounting an undeclared volume", { dev: api({ sidecars: [{ name: "cache", image: { repository: "memcached", tag: "1.6" }, mounts: { data: "/data" } }] }) }, 'dev: services.api.sidecars.cache.mounts.data "/data" mounts a volume the service does not declare (volumes: none)'],
    ["sidecar with an HTTP liveness check", { dev: api({ sidecars: [{ name: "cache", image: { repository: "memcached", tag: "1.6" }, liveness: { path: "/" } }] }) }, 'dev: services.api.sidecars.cache.liveness.path "/" is an HTTP check, but a sidecar has no port of its own here (use tcpPort or exec)'],
    ["volume mount path with ..", { dev: api({ volumes: [{ name: "cache", mountPath: "/var/../etc" }] }) }, 'dev: services.api.volumes.cache.mountPath "/var/../etc" holds a "." or ".." segment'],
    ["on Docker, a TCP readiness check", { dev: { ...api({ probes: { readiness: { tcpPort: 8080 } } }), target: { platform: "docker" } } }, "dev: services.api.probes.readiness is a TCP check, which Docker cannot run as a health check (use exec: [command, ...])"],
    ["on Docker, an HTTP check of a prebuilt image", { dev: { ...api({ image: { build: null, repository: "nginx", tag: "1.27" } }), target: { platform: "docker" } } }, "dev: services.api.probes.readiness is an HTTP check, which on Docker runs the image's /app healthcheck, and only images built here (image.build) have it"],
    // sizes
    ["ConfigMap over 1 MiB", { dev: api({ config: { BIG: "x".repeat(1024 * 1024) } }) }, "dev: services.api.config holds 1048656 bytes, more than a ConfigMap can (1048576 bytes"],
    ["pod quota below the worst case", { prod: { quota: { pods: 12 } } }, "prod: quota.pods 12 is below the 13 pods the services can run at once (api 13 (10 at the autoscaling maximum, plus 3 surge)): raise quota.pods or lower replicas"],
    ["pod quota below a routed canary beside the stable track", { staging: { quota: { pods: 6 } } }, "staging: quota.pods 6 is below the 7 pods the services can run at once (api 7 (4 stable at the autoscaling maximum and 1 canary, plus surge)): raise quota.pods or lower replicas"],
    ["TLS secret on a route", { dev: api({ ingress: { tlsSecretName: "api-tls" } }) }, 'dev: services.api.ingress.tlsSecretName "api-tls" is for ingressController.routing "ingress": under Gateway routing TLS is the Gateway listener\'s certificate'],
    ["unknown routing", { dev: { ingressController: { routing: "mesh" } } }, 'dev: ingressController.routing "mesh" is not one of'],
    // cdktf's token marker could smuggle a Terraform expression in
    ["token marker", { dev: api({ config: { GREETING: "${TfToken[TOKEN.1]}" } }) }, 'dev: services.api.config.GREETING holds "TfToken[", which cdktf reserves for Terraform expressions'],
    // the state location across environments and platforms
    ["shared S3 state", { dev: { backend: { kind: "s3", bucket: "state", key: "envapi", region: "r" } }, prod: { backend: { kind: "s3", bucket: "state", key: "envapi", region: "r" } } }, "prod: backend keeps its kubernetes state in s3://state/envapi/kubernetes, which dev on kubernetes uses too"],
    ["shared HTTP state", { dev: { backend: { kind: "http", address: "https://state.example/envapi" } }, prod: { backend: { kind: "http", address: "https://state.example/envapi" } } }, "prod: backend keeps its kubernetes state in https://state.example/envapi/kubernetes, which dev on kubernetes uses too"],
    ["shared PostgreSQL schema", { dev: { backend: { kind: "pg", schemaName: "envapi" } }, prod: { backend: { kind: "pg", schemaName: "envapi" } } }, "prod: backend keeps its kubernetes state in PostgreSQL schema envapi_kubernetes, which dev on kubernetes uses too"],
    ["shared local state file", { dev: { backend: { kind: "local", path: "/srv/state.tfstate" } }, staging: { backend: { kind: "local", path: "/srv/state.tfstate" } } }, "staging: backend keeps its kubernetes state in local file /srv/state.kubernetes.tfstate, which dev on kubernetes uses too"],
  ])("%s", (_rule, patches, message) => {
    // GIVEN the real settings with one mistake  WHEN validated  THEN the message names env, path, value and what is valid
    const problems = problemsWith(patches);
    expect(problems.some((problem) => problem.startsWith(message))).toBe(true);
  });

  test("no message says \"Invalid input\" or lists nothing as valid", () => {
    // GIVEN mistakes of every zod issue kind  WHEN validated  THEN every message says what is valid
    const problems = problemsWith({
      dev: { target: { platform: "x" }, backend: { kind: "http", address: "https://s.example", extra: 1 }, labels: { a: 1 } },
      staging: api({ config: { A: { b: 1 } }, grayRelease: { canaryWeight: "x" } }),
    });
    expect(problems.length).toBeGreaterThanOrEqual(5);
    for (const problem of problems) {
      expect(problem).not.toMatch(/Invalid input|valid here: \)|valid: \)/);
    }
  });

  test("a Docker host runs at most 20 replicas of a service unless raised, only when deploying to Docker", () => {
    // GIVEN dev with 21 replicas and room in its quota
    const patches = { dev: { ...api({ replicas: 21 }), quota: { pods: 40 } } };
    // WHEN validated for Kubernetes (its target) THEN no problem; for Docker THEN the limit and how to raise it
    expect(problemsWith(patches)).toEqual([]);
    expect(problemsWith({ dev: { ...patches.dev, target: { platform: "docker" } } })).toEqual([
      "dev: services.api.replicas 21 is more than target.docker.maxReplicas allows on one Docker host (20; every replica is a container on the same machine: lower replicas or raise target.docker.maxReplicas)",
    ]);
    expect(problemsWith({ dev: { ...patches.dev, target: { platform: "docker", docker: { maxReplicas: 30 } } } })).toEqual([]);
  });

  test("the deploy target decides which platform's rules apply", () => {
    // GIVEN dev with 21 replicas, validated as DEPLOY_TARGET=docker would
    const problems = validationProblems(patchedSettings({ dev: { ...api({ replicas: 21 }), quota: { pods: 40 } } }), { platform: "docker" });
    // THEN the Docker rule applies
    expect(problems).toEqual([expect.stringContaining("dev: services.api.replicas 21 is more than target.docker.maxReplicas")]);
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

describe("settings files", () => {
  /** A copy of the shipped settings folder with `edits` appended to some of its files. */
  function settingsWith(edits: Readonly<Record<string, string>>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    for (const file of fs.readdirSync(DEFAULT_SETTINGS_DIR)) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, file), path.join(dir, file));
    for (const [file, text] of Object.entries(edits)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  }

  function loadProblems(dir: string): string[] {
    try {
      loadEnvironments(dir);
      return [];
    } catch (error) {
      return [...(error as ConfigError).problems];
    }
  }

  test("a name repeated in a named list of base.yaml is an error naming both places", () => {
    // GIVEN base.yaml with the api service listed twice
    const base = fs.readFileSync(path.join(DEFAULT_SETTINGS_DIR, "base.yaml"), "utf8");
    const dir = settingsWith({ "base.yaml": `${base}  - name: api\n    image: { repository: other, tag: "1" }\n` });
    // THEN both entries are named
    expect(loadProblems(dir)).toContain('base.yaml: services[1] repeats the name "api" of services[0] (names in a list are unique: merge the two entries or rename one)');
  });

  test("a name repeated in an override's nested named list is an error too", () => {
    // GIVEN staging.yaml listing one secret twice
    const staging = fs.readFileSync(path.join(DEFAULT_SETTINGS_DIR, "staging.yaml"), "utf8");
    const secret = "{ name: DB_PASSWORD, from: { env: TF_VAR_x } }";
    const dir = settingsWith({ "staging.yaml": staging.replace("    replicas: 2\n", `    replicas: 2\n    secrets: [${secret}, ${secret}]\n`) });
    // THEN
    expect(loadProblems(dir)).toContain('staging.yaml: services[0].secrets[1] repeats the name "DB_PASSWORD" of services[0].secrets[0] (names in a list are unique: merge the two entries or rename one)');
  });

  test("an image built here must name a folder of the project with a Dockerfile", () => {
    // GIVEN base.yaml building the API from a folder that is not there
    const base = fs.readFileSync(path.join(DEFAULT_SETTINGS_DIR, "base.yaml"), "utf8");
    const dir = settingsWith({ "base.yaml": base.replace("build: app }", "build: nosuch }") });
    // THEN each environment names it
    expect(loadProblems(dir)).toContain(`dev: services.api.image.build "nosuch" is not a folder of this project with a Dockerfile (${path.join(path.dirname(DEFAULT_SETTINGS_DIR), "nosuch")})`);
  });

  test("an environment file must set its namespace, its Docker port and its hosts", () => {
    // GIVEN a new environment file that sets only its labels
    const dir = settingsWith({ "qa.yaml": "labels: { environment: qa }\n" });
    // THEN each missing value is named, and why it cannot be inherited
    const problems = loadProblems(dir);
    expect(problems).toEqual(
      expect.arrayContaining([
        "qa.yaml: namespace is not set (every environment file sets its own namespace; the base value cannot be inherited)",
        "qa.yaml: target.docker.ingressPort is not set (every environment file sets its own Docker ingress port; the base value cannot be inherited)",
        "qa.yaml: services.api.ingress.host is not set (every environment file sets its own ingress host for each service; the base value cannot be inherited)",
      ]),
    );
  });
});
