// The facts synth writes beside each stack: what commands read instead of working them out from cdk.tf.json.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackFacts, synthesizeApp } from "../stacks";

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
    });
  });

  test("a Docker stack names the resource holding its routes, which a release applies first", () => {
    // WHEN staging is synthesized for Docker  THEN its facts name the proxy config's loader
    synthesizeApp({ ...NEUTRAL, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "staging", DEPLOY_TARGET: "docker" });
    expect(readStackFacts(path.join(outdir, "stacks", "staging")).routes).toMatch(/^docker_container\.docker-environment_ingress_config_loader_[0-9A-F]{8}$/);
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
