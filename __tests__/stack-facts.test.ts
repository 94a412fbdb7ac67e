// The facts synth writes beside each stack: what commands read instead of working them out from cdk.tf.json.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { parse, stringify } from "yaml";
import { deepMerge, DEFAULT_SETTINGS_DIR, validateEnvironments } from "../settings";
import { EnvironmentStack, readStackFacts, stackFacts, synthesizeApp } from "../stacks";
import { patchedSettings } from "./_helpers";

const NEUTRAL = { ENVIRONMENTS: "", DEPLOY_TARGET: "", ALLOW_DESTROY: "", TF_PROVIDER_VERSIONS: "", SETTINGS_DIR: "" };

describe("stack facts", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "facts-"));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("each stack says its platform, protection, secret variables and backend", () => {
    // WHEN every stack is synthesized
    synthesizeApp({ ...NEUTRAL, CDKTF_OUTDIR: outdir });
    // THEN prod's facts come from its settings
    const prod = readStackFacts(path.join(outdir, "stacks", "prod"));
    expect(prod).toEqual({
      stack: "prod",
      platform: "kubernetes",
      protected: true,
      preventDestroy: true,
      secretVariables: [{ variable: "api_db_password", env: "TF_VAR_api_db_password" }],
      secretFiles: [],
      backend: { type: "local", config: { path: "../../../.state/prod.kubernetes.tfstate" } },
      connection: { kubeconfig: "~/.kube/config", context: "kind-envapi" },
      images: [{ reference: "envapi:0.1.0", build: "app" }],
      urls: ["http://api.prod.localhost/"],
      routes: [expect.stringMatching(/^kubernetes_manifest\.kubernetes-environment_api_route_manifest_[0-9A-F]{8}$/)],
      served: [
        {
          service: "api",
          url: "http://api.prod.localhost/",
          host: "api.prod.localhost",
          path: "/",
          revision: expect.stringMatching(/^[0-9a-f]{16}$/),
          versions: ["0.1.0"],
          errorsOnPurpose: false,
          unreadyOnPurpose: false,
        },
      ],
    });
    // AND the revision is the one the route's response header filter sets
    type Route = { manifest: { spec: { rules: Array<{ filters: Array<{ responseHeaderModifier: { set: Array<{ value: string }> } }> }> } } };
    const json: { resource: { kubernetes_manifest: Record<string, Route> } } = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "prod", "cdk.tf.json"), "utf8"));
    const [route] = Object.values(json.resource.kubernetes_manifest);
    expect(route.manifest.spec.rules[0].filters[0].responseHeaderModifier.set[0].value).toBe(prod.served[0].revision);
  });

  test.each([
    [0, ["0.1.0"]],
    [5, ["0.1.0", "0.2.0"]],
    [100, ["0.2.0"]],
  ])("at canary weight %i, staging's URL is answered by versions %j, with a revision of its own", (weight, versions) => {
    const settings = patchedSettings({ staging: { services: [{ name: "api", grayRelease: { canaryWeight: weight } }] } });
    const spec = validateEnvironments(settings).find((candidate) => candidate.name === "staging");
    for (const platform of ["kubernetes", "docker"] as const) {
      const facts = stackFacts(new EnvironmentStack(Testing.app(), "staging", { spec: spec as NonNullable<typeof spec>, platform }));
      expect(facts.served.map((url) => url.versions)).toEqual([versions]);
      expect(facts.served[0].revision).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  test("a track that fails a probe on purpose is not asked; one that errs on purpose may answer 500", () => {
    const settings = patchedSettings({ staging: { services: [{ name: "api", grayRelease: { canaryWeight: 25, canaryMisbehave: { errorPercent: 50 } }, misbehave: { failReadiness: true } }] } });
    const spec = validateEnvironments(settings).find((candidate) => candidate.name === "staging");
    const facts = stackFacts(new EnvironmentStack(Testing.app(), "staging", { spec: spec as NonNullable<typeof spec> }));
    expect(facts.served[0]).toMatchObject({ errorsOnPurpose: true, unreadyOnPurpose: true });
  });

  test.each([
    [0, ["envapi:0.1.0", "envapi:0.2.0"]],
    [25, ["envapi:0.1.0", "envapi:0.2.0"]],
    [100, ["envapi:0.1.0", "envapi:0.2.0"]],
  ])("the images are those of the tracks that run: staging at canary weight %i runs %j (behind a route both tracks run at every weight)", (weight, references) => {
    // GIVEN staging's gray release at that weight, and a prebuilt sidecar
    const sidecars = [{ name: "cache", image: { repository: "memcached", tag: "1.6" }, liveness: { tcpPort: 11211 } }];
    const settings = patchedSettings({ staging: { services: [{ name: "api", grayRelease: { canaryWeight: weight }, sidecars }] } });
    const spec = validateEnvironments(settings).find((candidate) => candidate.name === "staging");
    // WHEN its facts are taken
    const facts = stackFacts(new EnvironmentStack(Testing.app(), "staging", { spec: spec as NonNullable<typeof spec> }));
    // THEN the API's images are built from app/, the sidecar's is prebuilt
    expect(facts.images).toEqual([...references.map((reference) => ({ reference, build: "app" })), { reference: "memcached:1.6" }]);
  });

  test("a Docker stack names the resource holding its routes, which a release applies first", () => {
    // WHEN staging is synthesized for Docker  THEN its facts name the proxy config's loader
    synthesizeApp({ ...NEUTRAL, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "staging", DEPLOY_TARGET: "docker" });
    expect(readStackFacts(path.join(outdir, "stacks", "staging")).routes).toEqual([
      expect.stringMatching(/^docker_container\.docker-environment_ingress_config_loader_[0-9A-F]{8}$/),
      expect.stringMatching(/^docker_container\.docker-environment_ingress_proxy_container_[0-9A-F]{8}$/),
    ]);
    // AND where it answers is the proxy's port, by host
    expect(readStackFacts(path.join(outdir, "stacks", "staging")).urls).toEqual(["http://api.staging.localhost:8082/"]);
  });

  test("protected comes from the settings: lifting prevent_destroy does not make prod unprotected", () => {
    // WHEN prod is synthesized for destroy, on Docker
    synthesizeApp({ ...NEUTRAL, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "prod", ALLOW_DESTROY: "prod", DEPLOY_TARGET: "docker" });
    // THEN it is still protected (no secret is ever generated for it), only no longer prevent_destroy
    expect(readStackFacts(path.join(outdir, "stacks", "prod"))).toMatchObject({ platform: "docker", protected: true, preventDestroy: false, connection: { dockerHost: "unix:///var/run/docker.sock" } });
  });

  test("a shared backend is a fact too: the schema or key of the platform, Terraform's lock file, no secret", () => {
    // GIVEN settings where staging keeps its state in PostgreSQL and dev in S3
    const settingsDir = path.join(outdir, "settings");
    fs.mkdirSync(settingsDir);
    const patches: Record<string, unknown> = { staging: { backend: { kind: "pg", schemaName: "envapi_staging" } }, dev: { backend: { kind: "s3", bucket: "envapi-state", key: "dev", usePathStyle: true } } };
    for (const file of fs.readdirSync(DEFAULT_SETTINGS_DIR)) {
      const document: unknown = parse(fs.readFileSync(path.join(DEFAULT_SETTINGS_DIR, file), "utf8"));
      fs.writeFileSync(path.join(settingsDir, file), stringify(deepMerge(document, patches[path.basename(file, ".yaml")] ?? {})));
    }
    // WHEN synthesized for Docker
    synthesizeApp({ ...NEUTRAL, CDKTF_OUTDIR: outdir, SETTINGS_DIR: settingsDir, DEPLOY_TARGET: "docker", ENVIRONMENTS: "staging,dev" });
    // THEN each stack's facts name its backend as Terraform records it
    expect(readStackFacts(path.join(outdir, "stacks", "staging")).backend).toEqual({ type: "pg", config: { schema_name: "envapi_staging_docker" } });
    expect(readStackFacts(path.join(outdir, "stacks", "dev")).backend).toEqual({ type: "s3", config: { bucket: "envapi-state", key: "dev/docker", use_lockfile: true, use_path_style: true } });
  });

  test("a folder without facts is an error naming it", () => {
    expect(() => readStackFacts(path.join(outdir, "stacks", "qa"))).toThrow(`${path.join(outdir, "stacks", "qa", "stack.json")}: cannot be read (ENOENT); synthesize the stack first`);
  });
});
