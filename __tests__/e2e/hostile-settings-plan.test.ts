// Settings are data, proven by real Terraform: staging carrying every hostile value the schema accepts (found by
// walking it), plus values that try to copy a secret, is planned on both targets (the local cluster and the Docker
// engine). The plans show every value as written: no file read, no variable evaluated. Canary secrets given through
// each source (a TF_VAR, a file at a hostile path) appear in no synthesized file, plan text or plan report.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ConfigError, deepMerge, environmentSchema, layeredSettings, validateEnvironments } from "../../settings";
import { HOSTILE_VALUES, stringFields } from "../_hostile-settings";
import { mustRun } from "./_e2e";

const TARGETS = ["kubernetes", "docker"] as const;

/** The hostile values a config value may hold (the token marker is refused everywhere). */
const LITERAL_VALUES = HOSTILE_VALUES.filter((value) => !value.includes("TfToken["));

const canaryEnv = `canary-env-${Math.random().toString(36).slice(2, 12)}`;
const canaryFile = `canary-file-${Math.random().toString(36).slice(2, 12)}`;

/** Staging with, field by field, every hostile value the validation accepts (kept while the whole stays valid). */
function hostileStaging(settings: Map<string, unknown>): { document: unknown; accepted: string[] } {
  let document = settings.get("staging");
  const accepted: string[] = [];
  const valid = (candidate: unknown) => {
    try {
      validateEnvironments(new Map([...settings, ["staging", candidate]]));
      return true;
    } catch (error) {
      if (error instanceof ConfigError) return false;
      throw error;
    }
  };
  for (const field of stringFields(environmentSchema)) {
    // The secret file and the state location are given below: the file must exist, and plans keep their own state.
    if (field.label.includes("secrets") || field.label.startsWith("backend")) continue;
    for (const value of HOSTILE_VALUES) {
      const candidate = field.apply(document, value);
      if (valid(candidate)) {
        document = candidate;
        accepted.push(`${field.label} = ${JSON.stringify(value)}`);
        break;
      }
    }
  }
  return { document, accepted };
}

/** Runs a command of the project with `env` added to this process's environment; fails with its output. */
const sh = (command: string, args: readonly string[], env: NodeJS.ProcessEnv): string => mustRun(command, args, { env: { ...process.env, ...env } });

describe("hostile settings, planned for real", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-plan-"));
  const settingsDir = path.join(work, "settings");
  const plans = path.join(work, "plans");
  // A real file at a path that would be code if evaluated.
  const secretFile = path.join(work, 'secret ${upper("x")} %{ if true }y%{ endif } "q"');
  let accepted: string[] = [];
  const planText: Record<string, string> = {};
  const planJson: Record<string, any> = {};

  beforeAll(() => {
    // The cluster of the Kubernetes target (another suite may have stopped it); idempotent, seconds when warm.
    sh("scripts/cluster.sh", ["up"], {});
    // GIVEN the shipped settings, staging made hostile, with copies of secrets attempted through config values
    const settings = layeredSettings();
    const hostile = hostileStaging(settings);
    accepted = hostile.accepted;
    fs.writeFileSync(secretFile, `${canaryFile}\n`);
    const staging = deepMerge(hostile.document, {
      services: [
        {
          name: "api",
          config: {
            // config values are free text: each hostile value the settings accept, as written
            ...Object.fromEntries(LITERAL_VALUES.map((value, index) => [`HOSTILE_${index}`, value])),
            COPY_VARIABLE: "${var.api_db_password}",
            COPY_BASE64: "${base64encode(var.api_db_password)}",
            COPY_SECRET_FILE: `\${file(${JSON.stringify(secretFile)})}`,
            COPY_SYSTEM_FILE: '${file("/etc/passwd")}',
            DIRECTIVE: "%{ for c in var.api_db_password }${c}%{ endfor }",
          },
          secrets: [{ name: "FILE_CANARY", from: { file: secretFile } }],
        },
      ],
    });
    fs.mkdirSync(settingsDir);
    // Every environment file holds its whole layered settings, so base.yaml adds nothing.
    for (const [name, document] of settings) fs.writeFileSync(path.join(settingsDir, `${name}.yaml`), stringify(name === "staging" ? staging : document));
    fs.writeFileSync(path.join(settingsDir, "base.yaml"), "{}\n");

    // WHEN staging is planned for real on both targets
    for (const target of TARGETS) {
      sh("node", ["scripts/cli.js", "plan", plans], {
        SETTINGS_DIR: settingsDir,
        ENVIRONMENTS: "staging",
        DEPLOY_TARGET: target,
        CDKTF_OUTDIR: path.join(work, `synth-${target}`),
        PLAN_STATE_DIR: path.join(work, `state-${target}`),
        TF_VAR_api_db_password: canaryEnv,
      });
      planText[target] = fs.readFileSync(path.join(plans, `staging.${target}`, "plan.txt"), "utf8");
      planJson[target] = JSON.parse(fs.readFileSync(path.join(plans, `staging.${target}`, "plan.json"), "utf8"));
    }
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test("the schema walk found hostile values the settings accept", () => {
    // config values at least: text of any kind is allowed there
    expect(accepted.some((entry) => entry.startsWith("services.0.config."))).toBe(true);
  });

  test.each(TARGETS)("%s: the plan shows every value as written, with nothing evaluated", (target) => {
    const text = planText[target];
    // THEN the template sequences are in the plan as text
    expect(text).toContain('${upper(\\"hostile\\")}');
    expect(text).toContain("${var.api_db_password}");
    expect(text).toContain("%{ for c in var.api_db_password }${c}%{ endfor }");
    // AND nothing was evaluated: no upper-cased word, no file content, no secret
    expect(text).not.toMatch(/\bHOSTILE\b/);
    expect(text).not.toContain("root:x:0:0");
    expect(text).not.toContain(canaryEnv);
    expect(text).not.toContain(canaryFile);
    expect(text).not.toContain(Buffer.from(canaryEnv).toString("base64"));
  });

  test("kubernetes: the planned ConfigMap holds the literal values", () => {
    const configMap = planJson.kubernetes.resource_changes.find((change: any) => change.type === "kubernetes_config_map_v1");
    expect(configMap.change.after.data).toMatchObject({
      ...Object.fromEntries(LITERAL_VALUES.map((value, index) => [`HOSTILE_${index}`, value])),
      COPY_VARIABLE: "${var.api_db_password}",
      COPY_BASE64: "${base64encode(var.api_db_password)}",
      COPY_SECRET_FILE: `\${file(${JSON.stringify(secretFile)})}`,
      COPY_SYSTEM_FILE: '${file("/etc/passwd")}',
    });
  });

  test("docker: the planned containers get the literal values", () => {
    const container = planJson.docker.resource_changes.find((change: any) => change.type === "docker_container" && change.change.after.env?.length);
    expect(container.change.after.env).toEqual(
      expect.arrayContaining([
        ...LITERAL_VALUES.map((value, index) => `HOSTILE_${index}=${value}`),
        "COPY_VARIABLE=${var.api_db_password}",
        'COPY_SYSTEM_FILE=${file("/etc/passwd")}',
      ]),
    );
  });

  test("the canaries are in no synthesized file, no plan text and no plan report", () => {
    // WHEN the plan report is made of both plans
    sh("node", ["scripts/plan-report.js", "--plans", plans, "--out", path.join(work, "report.md"), "--json", path.join(work, "summary.json")], { SETTINGS_DIR: settingsDir });
    // THEN no canary, in clear or base64, is in any of them
    const files = [
      ...TARGETS.map((target) => path.join(work, `synth-${target}`, "stacks", "staging", "cdk.tf.json")),
      ...TARGETS.map((target) => path.join(plans, `staging.${target}`, "plan.txt")),
      path.join(work, "report.md"),
      path.join(work, "summary.json"),
    ];
    for (const file of files) {
      const content = fs.readFileSync(file, "utf8");
      for (const canary of [canaryEnv, canaryFile]) {
        expect({ file, leaks: content.includes(canary) || content.includes(Buffer.from(canary).toString("base64").slice(0, 12)) }).toEqual({ file, leaks: false });
      }
    }
  });
});
