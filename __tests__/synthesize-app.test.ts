// The app as main.ts runs it: any settings document ends in a clean synth or in a config error that leaves the
// output folder exactly as it was, never in a crash.
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ConfigError, DEFAULT_SETTINGS_DIR, loadEnvironments } from "../settings";
import { synthesizeApp, writeStacks } from "../stacks";
import { HOSTILE_VALUES } from "./_hostile-settings";

const FILES = ["base.yaml", "dev.yaml", "staging.yaml", "prod.yaml"];
const SHIPPED: Record<string, unknown> = Object.fromEntries(FILES.map((file) => [file, parse(fs.readFileSync(path.join(DEFAULT_SETTINGS_DIR, file), "utf8"))]));

type Segment = string | number;

/** Every path into `document` (objects and lists, leaves included). */
function pathsOf(document: unknown, at: Segment[] = []): Segment[][] {
  if (document === null || typeof document !== "object") return [at];
  const entries: Array<[Segment, unknown]> = Array.isArray(document) ? document.map((item, index) => [index, item]) : Object.entries(document);
  return [at, ...entries.flatMap(([key, item]) => pathsOf(item, [...at, key]))];
}

const PATHS = Object.fromEntries(FILES.map((file) => [file, pathsOf(SHIPPED[file]).filter((at) => at.length > 0)]));

/** Values a settings file might hold: plausible ones, wrong types, extremes and hostile text. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>("250m", "64Mi", "api", "worker", "/readyz", "0.3.0", "envapi-qa", "api.qa.localhost", 1, 2, 3, 8090, 0, true, false, null),
  fc.constantFrom(...HOSTILE_VALUES),
  fc.string(),
  fc.integer(),
  fc.constantFrom(2 ** 31, -1, 1.5, Infinity, -Infinity, NaN, 1e300),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
);

interface Mutation {
  readonly file: string;
  readonly pathIndex: number;
  readonly kind: "set" | "delete" | "duplicate" | "corrupt";
  readonly value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  file: fc.constantFrom(...FILES),
  pathIndex: fc.nat(),
  kind: fc.constantFrom<Mutation["kind"]>("set", "set", "set", "delete", "duplicate", "corrupt"),
  value: anyValue,
});

/** Mutations that keep the settings valid: other text in a config value, another replica count. */
const benign: fc.Arbitrary<Mutation> = fc.record({
  file: fc.constantFrom("dev.yaml", "staging.yaml"),
  pathIndex: fc.constant(-1),
  kind: fc.constant<Mutation["kind"]>("set"),
  value: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...HOSTILE_VALUES.slice(0, 5))),
});

/** About a third of the documents are valid: unchanged, or changed only in ways settings allow. */
const documents = fc.oneof(
  { weight: 1, arbitrary: fc.array(benign, { maxLength: 2 }) },
  { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
);

function setAt(document: unknown, at: readonly Segment[], value: unknown, remove = false): void {
  const parent = at.slice(0, -1).reduce<any>((current, segment) => current?.[segment], document);
  if (parent === null || typeof parent !== "object") return;
  const key = at[at.length - 1];
  if (remove && Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (remove) delete parent[key];
  else parent[key] = value;
}

/** Writes the shipped settings with `mutations` applied into a new folder. */
function writeSettings(mutations: readonly Mutation[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-prop-"));
  const documents = structuredClone(SHIPPED) as Record<string, any>;
  const corrupt = new Set<string>();
  for (const change of mutations) {
    if (change.pathIndex === -1) {
      documents[change.file].services[0].config = { GREETING: change.value };
      continue;
    }
    const at = PATHS[change.file][change.pathIndex % PATHS[change.file].length];
    const current = at.reduce<any>((node, segment) => node?.[segment], documents[change.file]);
    if (change.kind === "delete") setAt(documents[change.file], at, undefined, true);
    else if (change.kind === "duplicate" && Array.isArray(current)) current.push(structuredClone(current[0]));
    else if (change.kind === "corrupt") corrupt.add(change.file);
    else setAt(documents[change.file], at, change.value);
  }
  for (const file of FILES) {
    const text = stringify(documents[file]);
    fs.writeFileSync(path.join(dir, file), corrupt.has(file) ? `${text}\nbroken: [unclosed\n` : text);
  }
  return dir;
}

/** Every file under `dir` with its content: equal exactly when nothing was added, removed or changed. */
function snapshot(dir: string): Record<string, string> {
  const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return Object.fromEntries(files.map((entry) => [path.relative(dir, path.join(entry.parentPath, entry.name)), fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8")]));
}

/** An output folder as a user has it: an earlier synth and Terraform's working folder. */
function usedOutput(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "out-prop-"));
  fs.mkdirSync(path.join(outdir, "stacks", "staging", ".terraform"), { recursive: true });
  fs.writeFileSync(path.join(outdir, "stacks", "staging", "cdk.tf.json"), "{}\n");
  fs.writeFileSync(path.join(outdir, "stacks", "staging", ".terraform", "terraform.tfstate"), '{"backend":{"type":"local","config":{"path":"x"}}}\n');
  fs.writeFileSync(path.join(outdir, "manifest.json"), "{}\n");
  return outdir;
}

const NEUTRAL = { ENVIRONMENTS: "", DEPLOY_TARGET: "", ALLOW_DESTROY: "", TF_PROVIDER_VERSIONS: "" };

describe("synthesizeApp", () => {
  test("any settings document ends in a clean synth or a config error that writes nothing, never a crash", () => {
    let valid = 0;
    let runs = 0;
    fc.assert(
      fc.property(documents, fc.constantFrom("", "kubernetes", "docker"), (mutations, target) => {
        runs++;
        // GIVEN settings with random changes and an output folder in use
        const settingsDir = writeSettings(mutations);
        const outdir = usedOutput();
        const before = snapshot(outdir);
        try {
          // WHEN the app synthesizes
          synthesizeApp({ ...NEUTRAL, DEPLOY_TARGET: target, SETTINGS_DIR: settingsDir, CDKTF_OUTDIR: outdir });
          // THEN either every stack is written ...
          valid++;
          expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["dev", "prod", "staging"]);
        } catch (error) {
          // ... or it is a config error, and the output is exactly as it was
          if (!(error instanceof ConfigError)) throw error;
          expect(error.problems.length).toBeGreaterThan(0);
          expect(snapshot(outdir)).toEqual(before);
        } finally {
          fs.rmSync(settingsDir, { recursive: true, force: true });
          fs.rmSync(outdir, { recursive: true, force: true });
        }
      }),
      { numRuns: 120 },
    );
    // AND a fair share of the documents was valid, or the property proves little
    expect(valid / runs).toBeGreaterThan(0.2);
  });

  test("a secret file that does not exist is reported before Terraform runs, and a TF_VAR can point elsewhere", () => {
    // GIVEN staging reading a secret from a file that is not there
    const staging = fs.readFileSync(path.join(DEFAULT_SETTINGS_DIR, "staging.yaml"), "utf8");
    const settingsDir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    for (const file of FILES) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, file), path.join(settingsDir, file));
    fs.writeFileSync(path.join(settingsDir, "staging.yaml"), staging.replace("    replicas: 2\n", "    replicas: 2\n    secrets: [{ name: TLS_KEY, from: { file: /nonexistent/tls.key } }]\n"));
    const outdir = usedOutput();
    const before = snapshot(outdir);
    const env = { ...NEUTRAL, SETTINGS_DIR: settingsDir, CDKTF_OUTDIR: outdir };
    // WHEN synthesized  THEN env, secret and path are named, nothing is written
    expect(() => synthesizeApp(env)).toThrow(
      'staging: services.api.secrets.TLS_KEY.from.file "/nonexistent/tls.key" does not exist (create it, or set TF_VAR_secret_file_api_TLS_KEY to a readable file)',
    );
    expect(snapshot(outdir)).toEqual(before);
    // AND only the environments being synthesized are checked
    expect(() => synthesizeApp({ ...env, ENVIRONMENTS: "prod" })).not.toThrow();
    // AND a plan-only run points the variable at a throwaway file
    const throwaway = path.join(settingsDir, "throwaway");
    fs.writeFileSync(throwaway, "throwaway");
    expect(() => synthesizeApp({ ...env, TF_VAR_secret_file_api_TLS_KEY: throwaway })).not.toThrow();
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "staging", "cdk.tf.json"), "utf8"));
    expect(json.variable.secret_file_api_TLS_KEY).toMatchObject({ default: "/nonexistent/tls.key", type: "string" });
    fs.rmSync(settingsDir, { recursive: true, force: true });
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test("a secret file path that names a folder is reported", () => {
    // GIVEN staging reading a secret from a folder
    const settingsDir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    for (const file of FILES) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, file), path.join(settingsDir, file));
    const staging = fs.readFileSync(path.join(settingsDir, "staging.yaml"), "utf8");
    fs.writeFileSync(path.join(settingsDir, "staging.yaml"), staging.replace("    replicas: 2\n", `    replicas: 2\n    secrets: [{ name: TLS_KEY, from: { file: ${settingsDir} } }]\n`));
    // WHEN synthesized  THEN
    expect(() => synthesizeApp({ ...NEUTRAL, SETTINGS_DIR: settingsDir, CDKTF_OUTDIR: path.join(settingsDir, "out") })).toThrow(
      `staging: services.api.secrets.TLS_KEY.from.file "${settingsDir}" is not a file (point it at a readable file, or set TF_VAR_secret_file_api_TLS_KEY to one)`,
    );
    expect(fs.existsSync(path.join(settingsDir, "out"))).toBe(false);
    fs.rmSync(settingsDir, { recursive: true, force: true });
  });

  test("whatever a construct refuses is a config error naming the environment, and nothing is written", () => {
    // GIVEN a spec that bypassed validation (an image reference with a space)
    const [spec] = loadEnvironments(undefined, { only: ["staging"] });
    const broken = { ...spec, services: spec.services.map((service) => ({ ...service, image: { ...service.image, repository: "env api" } })) };
    const outdir = usedOutput();
    const before = snapshot(outdir);
    // WHEN written for Docker  THEN
    expect(() => writeStacks([broken], { outdir, platform: "docker" })).toThrow(/^Invalid environment settings \(1 problem\):\n {2}- staging: the settings cannot be built into a stack: image name "envapi-staging\/env api:0.1.0" is not "repository:tag"$/);
    expect(snapshot(outdir)).toEqual(before);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
