import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { parseArgs, readPlanDir, runPlanReport, SENSITIVE_TEXT } from "../plan-report";
import { CHANGE_PLANS, CHANGE_SETTINGS, FIXTURE_SECRETS } from "./_plan-fixtures";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "plan-report-"));
const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** `text` and every base64 run in it decoded at each of the four character alignments: all a reader could get. */
function readable(text: string): string {
  const decoded = (text.match(/[A-Za-z0-9+/]{4,}={0,2}/g) ?? []).flatMap((run) =>
    [0, 1, 2, 3].map((shift) => {
      const piece = run.slice(shift).replace(/=+$/, "");
      return Buffer.from(piece.slice(0, piece.length - (piece.length % 4)), "base64").toString("latin1");
    }),
  );
  return [text, ...decoded].join("\n");
}

describe("parseArgs", () => {
  test("reports every problem at once", () => {
    // GIVEN arguments with an unknown flag, a bad --promote and no --out
    // WHEN they are parsed
    // THEN one error lists all three
    expect(() => parseArgs(["--plans", "p", "--nope", "--promote", "staging", "--max-chars", "12"], {})).toThrow(
      [
        'plan-report: unknown argument "--nope"',
        "plan-report: --out is required",
        'plan-report: --promote "staging" is not <from>:<to> (e.g. staging:prod) or none',
        'plan-report: --max-chars "12" is not a whole number of at least 1000',
      ].join("\n"),
    );
  });

  test("--secret-file may be given more than once", () => {
    // GIVEN two secret files
    // WHEN the arguments are parsed
    const options = parseArgs(["--plans", "p", "--out", "r.md", "--secret-file", "a", "--secret-file=b"], {});

    // THEN both are kept, in order
    expect(options.secretFiles).toEqual(["a", "b"]);
  });

  test("defaults: staging → prod, the settings of SETTINGS_DIR, GitHub's limit", () => {
    // GIVEN only the required arguments, in both spellings
    // WHEN they are parsed with SETTINGS_DIR set
    const options = parseArgs(["--plans=plans", "--out", "report.md"], { SETTINGS_DIR: "custom" });

    // THEN the defaults apply
    expect(options).toEqual({ plans: "plans", out: "report.md", settings: "custom", promote: { from: "staging", to: "prod" }, maxChars: 65_000 });
  });
});

describe("runPlanReport", () => {
  test("writes the Markdown report and the JSON summary of the recorded plans", () => {
    // GIVEN the recorded plans and the settings they were made with
    const out = tempDir();

    // WHEN the command runs
    runPlanReport(parseArgs(["--plans", CHANGE_PLANS, "--out", path.join(out, "report.md"), "--json", path.join(out, "summary.json"), "--settings", CHANGE_SETTINGS]));

    // THEN the summary counts every stack, flags prod's destruction, and neither file holds a secret
    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(summary).toMatchObject({
      changed: ["dev", "prod"],
      failed: [],
      destructive: true,
      protectedDestructive: true,
      environmentDiff: { from: "staging", to: "prod" },
    });
    expect(summary.stacks.map((stack: { stack: string; status: string }) => `${stack.stack}: ${stack.status}`)).toEqual([
      "dev: changes",
      "prod: changes",
      "staging: no-changes",
    ]);
    const written = fs.readFileSync(path.join(out, "report.md"), "utf8") + fs.readFileSync(path.join(out, "summary.json"), "utf8");
    for (const secret of FIXTURE_SECRETS) expect(written).not.toContain(secret);
  });

  test("an unknown environment in --promote is named with the known ones", () => {
    // GIVEN a --promote naming no environment of the settings
    // WHEN the command runs
    // THEN it fails before writing anything
    const out = tempDir();
    expect(() => runPlanReport(parseArgs(["--plans", CHANGE_PLANS, "--out", path.join(out, "r.md"), "--settings", CHANGE_SETTINGS, "--promote", "qa:prod"]))).toThrow(
      `plan-report: --promote qa:prod: no environment "qa" in ${CHANGE_SETTINGS} (known: dev, prod, staging)`,
    );
    expect(fs.existsSync(path.join(out, "r.md"))).toBe(false);
  });
});

describe("runPlanReport never prints a secret", () => {
  // A canary per source: a sensitive variable's value, a file the plan reads with sensitive(file(...)), a --secret-file.
  const CANARIES = { variable: "Kx4vQ-Pq8Zt2mW", planFile: "Hy6Rs-Jd1nB7cF", argumentFile: "Ut5Ce-9Xo7hL3g" };
  const canaries = Object.values(CANARIES);

  /** Where a careless provider or a failing command could echo a secret: plain, in a URL, base64 inside longer base64. */
  const leakyData = (prefix: string) =>
    Object.fromEntries(
      Object.entries(CANARIES).flatMap(([source, canary]) => [
        [`${prefix}_${source}_plain`, canary],
        [`${prefix}_${source}_url`, `postgres://app:${canary}@db:5432/app`],
        ...[0, 1, 2].map((offset) => [`${prefix}_${source}_base64_${offset}`, base64(`${"x".repeat(offset)}user=app\npassword=${canary}\nhost=db`)]),
      ]),
    );

  /** A plans folder like cli/plan-stacks.ts writes: dev planned (a secret variable, a secret file), prod failed. */
  function leakyInputs(): { plans: string; settings: string; argumentFile: string } {
    const dir = tempDir();
    const secrets = path.join(dir, "secrets");
    fs.mkdirSync(secrets);
    const planFile = path.join(secrets, "api-token");
    const argumentFile = path.join(secrets, "extra");
    fs.writeFileSync(planFile, `${CANARIES.planFile}\n`);
    fs.writeFileSync(argumentFile, `${CANARIES.argumentFile}\n`);
    const plan = {
      format_version: "1.2",
      terraform_version: "1.11.4",
      variables: { api_db_password: { value: CANARIES.variable } },
      configuration: {
        provider_config: { kubernetes: { name: "kubernetes", full_name: "registry.terraform.io/hashicorp/kubernetes" } },
        root_module: {
          variables: { api_db_password: { sensitive: true } },
          resources: [
            {
              address: "kubernetes_secret_v1.api",
              expressions: {
                data: { constant_value: { DB_PASSWORD: "${var.api_db_password}", API_TOKEN: `\${sensitive(file("${planFile}"))}` }, references: ["var.api_db_password"] },
              },
            },
          ],
        },
      },
      // A provider that forgot to mark its attributes sensitive.
      resource_changes: [
        {
          address: "kubernetes_config_map_v1.api",
          mode: "managed",
          type: "kubernetes_config_map_v1",
          change: { actions: ["update"], before: { data: { GREETING: "hello" } }, after: { data: { GREETING: "hello", ...leakyData("NEW") } }, after_unknown: {}, before_sensitive: {}, after_sensitive: {} },
        },
      ],
      output_changes: { token: { actions: ["create"], before: null, after: `Bearer ${CANARIES.planFile}`, after_unknown: false, before_sensitive: false, after_sensitive: false } },
    };
    const plainText = Object.entries(leakyData("TEXT")).map(([key, value]) => `      + "${key}" = "${String(value)}"`).join("\n");
    const plans = path.join(dir, "plans");
    fs.mkdirSync(path.join(plans, "dev"), { recursive: true });
    fs.writeFileSync(path.join(plans, "dev", "plan.json"), JSON.stringify(plan));
    fs.writeFileSync(path.join(plans, "dev", "plan.txt"), `  # kubernetes_config_map_v1.api will be updated in-place\n${plainText}\n\nPlan: 0 to add, 1 to change, 0 to destroy.\n`);
    fs.writeFileSync(path.join(plans, "dev", "meta.json"), '{"stack":"dev","target":"kubernetes"}');
    fs.mkdirSync(path.join(plans, "prod"));
    fs.writeFileSync(path.join(plans, "prod", "error.txt"), `Error: login failed\n${plainText}\n`);
    const settings = path.join(dir, "settings");
    fs.cpSync(CHANGE_SETTINGS, settings, { recursive: true });
    const staging = path.join(settings, "staging.yaml");
    fs.writeFileSync(staging, fs.readFileSync(staging, "utf8").replace("GREETING: hello from staging", `GREETING: "hello ${canaries.join(" ")}"`));
    return { plans, settings, argumentFile };
  }

  test("a canary from each source is in no part of the report nor the summary, in any form", () => {
    // GIVEN plans, a plan text, a failed stack's error and settings that hold every canary plain and base64-encoded
    const inputs = leakyInputs();
    const everything = [path.join(inputs.plans, "dev", "plan.json"), path.join(inputs.plans, "prod", "error.txt"), path.join(inputs.settings, "staging.yaml")]
      .map((file) => readable(fs.readFileSync(file, "utf8")))
      .join("\n");
    for (const canary of canaries) expect(everything).toContain(canary);

    // WHEN the report is written, the --secret-file given
    const out = tempDir();
    const { markdown } = runPlanReport(
      parseArgs(["--plans", inputs.plans, "--out", path.join(out, "report.md"), "--json", path.join(out, "summary.json"), "--settings", inputs.settings, "--secret-file", inputs.argumentFile]),
    );

    // THEN no 5 characters of any canary can be read in the Markdown or the JSON summary, decoded or not ...
    const written = readable(fs.readFileSync(path.join(out, "report.md"), "utf8") + fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    const pieces = canaries.flatMap((canary) => Array.from({ length: canary.length - 4 }, (_, index) => canary.slice(index, index + 5)));
    expect(pieces.filter((piece) => written.includes(piece))).toEqual([]);
    // ... and every place that held one says it was masked
    expect(markdown).toContain("| <code>data.NEW_variable_plain</code> | <i>(none)</i> | <i>(sensitive)</i> |");
    expect(markdown).toContain("| <code>data.NEW_planFile_base64_2</code> | <i>(none)</i> | <i>(sensitive)</i> |");
    expect(markdown).toContain("output <code>token</code>: <i>(none)</i> → <i>(sensitive)</i>");
    expect(markdown).toContain(`+ "TEXT_argumentFile_url" = "postgres://app:${SENSITIVE_TEXT}@db:5432/app"`);
    expect(markdown.match(/\(sensitive value\)/g)?.length).toBeGreaterThanOrEqual(2 * 3 * 5 + 1);
    expect(markdown).toContain(`<code>services.api.config.GREETING</code> | <code>"hello ${canaries.map(() => SENSITIVE_TEXT).join(" ")}"</code>`);
  });

  test("a secret file the plans read but the report cannot is named, and nothing is written", () => {
    // GIVEN the plans of a stack whose secret file is gone
    const inputs = leakyInputs();
    fs.rmSync(path.join(path.dirname(inputs.argumentFile), "api-token"));
    const out = tempDir();

    // WHEN the command runs
    // THEN it fails naming the plan and the file, and writes no report
    expect(() => runPlanReport(parseArgs(["--plans", inputs.plans, "--out", path.join(out, "report.md"), "--settings", inputs.settings]))).toThrow(
      `${path.join(inputs.plans, "dev", "plan.json")} (sensitive(file(...))): secret file "${path.join(path.dirname(inputs.argumentFile), "api-token")}" cannot be read (ENOENT)`,
    );
    expect(fs.existsSync(path.join(out, "report.md"))).toBe(false);
  });
});

describe("readPlanDir", () => {
  test("reads plain and gzipped plans, failed stacks and stacks without meta.json", () => {
    // GIVEN a folder with a gzipped plan without meta.json, a plain one, and a stack whose planning failed
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "prod"));
    fs.copyFileSync(path.join(CHANGE_PLANS, "prod", "plan.json.gz"), path.join(dir, "prod", "plan.json.gz"));
    fs.mkdirSync(path.join(dir, "dev"));
    fs.writeFileSync(path.join(dir, "dev", "error.txt"), "Error: Kubernetes cluster unreachable");
    fs.mkdirSync(path.join(dir, "staging"));
    fs.writeFileSync(path.join(dir, "staging", "plan.json"), gunzipSync(fs.readFileSync(path.join(CHANGE_PLANS, "staging", "plan.json.gz"))));
    fs.mkdirSync(path.join(dir, "notes"));

    // WHEN it is read
    const stacks = readPlanDir(dir);

    // THEN both stacks are there, sorted; the target comes from the plan's provider; the empty folder is skipped
    expect(stacks.map(({ stack, target, error }) => ({ stack, target, error }))).toEqual([
      { stack: "dev", target: "unknown", error: "Error: Kubernetes cluster unreachable" },
      { stack: "prod", target: "kubernetes", error: undefined },
      { stack: "staging", target: "kubernetes", error: undefined },
    ]);
  });

  test("a file that is not a plan is named in the error", () => {
    // GIVEN a stack folder whose plan.json is some other JSON
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "dev"));
    fs.writeFileSync(path.join(dir, "dev", "plan.json"), '{"values": {}}');

    // WHEN it is read
    // THEN the error names the file and what it expected
    expect(() => readPlanDir(dir)).toThrow(`${path.join(dir, "dev", "plan.json")}: is not a plan from "terraform show -json <planfile>" (no format_version)`);
  });

  test("a folder without plans is refused", () => {
    // GIVEN an empty folder
    // WHEN it is read
    // THEN the error says what it should hold
    const dir = tempDir();
    expect(() => readPlanDir(dir)).toThrow(`${dir}: holds no <stack>/plan.json (nor <stack>/error.txt)`);
  });
});
