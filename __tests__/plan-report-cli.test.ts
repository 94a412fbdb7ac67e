import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { parseArgs, readPlanDir, runPlanReport } from "../plan-report";
import { CHANGE_PLANS, CHANGE_SETTINGS, FIXTURE_SECRETS } from "./_plan-fixtures";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "plan-report-"));

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
