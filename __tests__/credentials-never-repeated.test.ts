// No credential given in settings is repeated: a URL-shaped setting with a user and password is refused with a
// message that says where credentials go instead, and no message, no written file carries the password, raw or in
// base64. Each case synthesizes the real settings with one field changed, as `npx cdktf synth` does.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ConfigError, deepMerge, DEFAULT_SETTINGS_DIR } from "../settings";
import { synthesizeApp } from "../stacks";

const PASSWORD = "Pw-c4n4ry-7731x";
const traces = [PASSWORD, Buffer.from(PASSWORD).toString("base64"), encodeURIComponent(PASSWORD)];

/** The shipped settings with staging patched, in a folder of their own. */
function settingsWith(staging: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credentials-"));
  for (const file of fs.readdirSync(DEFAULT_SETTINGS_DIR).filter((name) => name.endsWith(".yaml"))) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, file), path.join(dir, file));
  const file = path.join(dir, "staging.yaml");
  fs.writeFileSync(file, stringify(deepMerge(parse(fs.readFileSync(file, "utf8")), staging)));
  return dir;
}

/** Every file under `dir`, read. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((name) => path.join(dir, name)).filter((file) => fs.statSync(file).isFile()).map((file) => fs.readFileSync(file, "utf8"));
}

const api = (over: Record<string, unknown>) => ({ services: [{ name: "api", ...over }] });

describe("credentials given in settings are never repeated", () => {
  test.each([
    ["the http state backend's address", { backend: { kind: "http", address: `https://terraform:${PASSWORD}@state.example/envapi` } }, "TF_HTTP_USERNAME and TF_HTTP_PASSWORD", "kubernetes"],
    ["the Docker host", { target: { docker: { host: `tcp://admin:${PASSWORD}@docker.internal:2376` } } }, "is not a Docker host address", "docker"],
    ["a database URL in the image repository", api({ image: { repository: `postgres://app:${PASSWORD}@db.internal:5432/envapi` } }), "is not an image repository", "kubernetes"],
    ["a URL with a token in its query as the ingress host", api({ ingress: { host: `https://api.example/?token=${PASSWORD}` } }), "is not a valid host name", "kubernetes"],
    ["a secret's value pasted as its environment variable", api({ secrets: [{ name: "DB_PASSWORD", from: { env: PASSWORD } }] }), "is not a Terraform variable environment name", "kubernetes"],
    ["a secret's value pasted as its file", api({ secrets: [{ name: "DB_PASSWORD", from: { file: `${PASSWORD}\n` } }] }), "contains a control character", "kubernetes"],
  ])("%s: refused, naming the field, never the password (raw, base64 or URL-encoded), nothing written", (_what, staging, valid, platform) => {
    // GIVEN staging with the credential in that field
    const dir = settingsWith(staging);
    const outdir = path.join(dir, "out");
    // WHEN synthesized
    let message = "";
    try {
      synthesizeApp({ SETTINGS_DIR: dir, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "", DEPLOY_TARGET: platform, ALLOW_DESTROY: "", TF_PROVIDER_VERSIONS: "" });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    // THEN it is refused, the message says what is valid, and neither it nor any written file holds the password
    expect(message).toContain("staging: ");
    expect(message).toContain(valid);
    for (const trace of traces) {
      expect(message).not.toContain(trace);
      for (const content of filesUnder(outdir)) expect(content).not.toContain(trace);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a URL's user-info and query are masked wherever a value is shown", () => {
    const dir = settingsWith(api({ config: { GREETING: "hi" }, image: { repository: `https://u:${PASSWORD}@registry.example/a?sig=${PASSWORD}` } }));
    expect(() => synthesizeApp({ SETTINGS_DIR: dir, CDKTF_OUTDIR: path.join(dir, "out"), ENVIRONMENTS: "staging", DEPLOY_TARGET: "kubernetes" })).toThrow(
      /services\.api\.image\.repository "https:\/\/\*\*\*@registry\.example\/a\?\*\*\*" is not an image repository/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("bounded messages", () => {
  test("an unknown key of a megabyte is named by a short prefix and its length", () => {
    const key = "k".repeat(1024 * 1024);
    const dir = settingsWith({ [key]: 1 });
    let message = "";
    try {
      synthesizeApp({ SETTINGS_DIR: dir, CDKTF_OUTDIR: path.join(dir, "out"), ENVIRONMENTS: "staging", DEPLOY_TARGET: "kubernetes" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`staging: ${"k".repeat(40)}… (1048576 characters) is not a known setting`);
    expect(message.length).toBeLessThan(600);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the pod quota's message for thousands of services names the first few and a count", () => {
    const services = Array.from({ length: 1000 }, (_, index) => ({ name: `svc-${index}`, image: { repository: "envapi", tag: "0.1.0" } }));
    const dir = settingsWith({ quota: { pods: 10 }, services });
    let message = "";
    try {
      synthesizeApp({ SETTINGS_DIR: dir, CDKTF_OUTDIR: path.join(dir, "out"), ENVIRONMENTS: "staging", DEPLOY_TARGET: "kubernetes" });
    } catch (error) {
      message = (error as Error).message;
    }
    const quota = message.split("\n").find((line) => line.includes("quota.pods")) ?? "";
    expect(quota).toMatch(/; and 996 more\): raise quota\.pods or lower replicas$/);
    expect(quota.length).toBeLessThan(600);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
