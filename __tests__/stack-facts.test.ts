// The facts synth writes beside each stack: what commands read instead of working them out from cdk.tf.json.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { validateEnvironments } from "../settings";
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
    expect(readStackFacts(path.join(outdir, "stacks", "prod"))).toEqual({
      stack: "prod",
      platform: "kubernetes",
      protected: true,
      preventDestroy: true,
      secretVariables: [{ variable: "api_db_password", env: "TF_VAR_api_db_password" }],
      secretFiles: [],
      backend: { type: "local", config: { path: "../../../.state/prod.kubernetes.tfstate" } },
      images: [{ reference: "envapi:0.1.0", build: "app" }],
    });
  });

  test.each([
    [0, ["envapi:0.1.0"]],
    [25, ["envapi:0.1.0", "envapi:0.2.0"]],
    [100, ["envapi:0.2.0"]],
  ])("the images are those of the tracks that run: staging at canary weight %i runs %j", (weight, references) => {
    // GIVEN staging's gray release at that weight, and a prebuilt sidecar
    const sidecars = [{ name: "cache", image: { repository: "memcached", tag: "1.6" }, liveness: { tcpPort: 11211 } }];
    const settings = patchedSettings({ staging: { services: [{ name: "api", grayRelease: { canaryWeight: weight }, sidecars }] } });
    const spec = validateEnvironments(settings).find((candidate) => candidate.name === "staging");
    // WHEN its facts are taken
    const facts = stackFacts(new EnvironmentStack(Testing.app(), "staging", { spec: spec as NonNullable<typeof spec> }));
    // THEN the API's images are built from app/, the sidecar's is prebuilt
    expect(facts.images).toEqual([...references.map((reference) => ({ reference, build: "app" })), { reference: "memcached:1.6" }]);
  });

  test("protected comes from the settings: lifting prevent_destroy does not make prod unprotected", () => {
    // WHEN prod is synthesized for destroy, on Docker
    synthesizeApp({ ...NEUTRAL, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "prod", ALLOW_DESTROY: "prod", DEPLOY_TARGET: "docker" });
    // THEN it is still protected (no secret is ever generated for it), only no longer prevent_destroy
    expect(readStackFacts(path.join(outdir, "stacks", "prod"))).toMatchObject({ platform: "docker", protected: true, preventDestroy: false });
  });

  test("a folder without facts is an error naming it", () => {
    expect(() => readStackFacts(path.join(outdir, "stacks", "qa"))).toThrow(`${path.join(outdir, "stacks", "qa", "stack.json")}: cannot be read (ENOENT); synthesize the stack first`);
  });
});
