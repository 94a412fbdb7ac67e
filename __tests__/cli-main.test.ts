// The typed command line: argument problems reported together with the usage, exit codes.
import { main, parseArgs } from "../cli/main";

describe("cli parseArgs", () => {
  test("a command and an environment", () => {
    // GIVEN `deploy staging`  THEN both are read
    expect(parseArgs(["deploy", "staging"])).toEqual({ command: "deploy", environment: "staging" });
  });

  test("every problem at once", () => {
    // GIVEN an unknown command, and extra arguments  THEN each is named, with the valid commands
    expect(() => parseArgs(["deplyo", "staging", "--force"])).toThrow('envapi: unknown command "deplyo" (one of deploy, destroy, orphans, plan, plan-pr, release, rollback)\nenvapi: unexpected arguments "--force"');
    expect(() => parseArgs([])).toThrow("envapi: a command is required (one of deploy, destroy, orphans, plan, plan-pr, release, rollback)\nenvapi: an environment is required (e.g. staging)");
  });
});

describe("cli main", () => {
  let stderr: string[];
  beforeEach(() => {
    stderr = [];
    jest.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  test("plan asks for a folder", () => {
    expect(() => parseArgs(["plan"])).toThrow("envapi: an output folder is required (e.g. plans)");
    expect(parseArgs(["plan", "plans"])).toEqual({ command: "plan", environment: "plans" });
  });

  test("a usage problem exits 2 with the usage", () => {
    expect(main(["deploy"])).toBe(2);
    expect(stderr.join("")).toContain("envapi: an environment is required");
    expect(stderr.join("")).toContain("Usage: envapi <command> <environment | folder>");
  });

  test("an unknown environment is a config error, exit 1, before anything is installed", async () => {
    // WHEN deploying an environment that has no settings file  THEN it stops at the synth probe
    expect(await main(["deploy", "qa"], { ...process.env, ENVIRONMENTS: "", DEPLOY_TARGET: "" })).toBe(1);
    expect(stderr.join("")).toContain('qa: unknown environment "qa" (known: dev, prod, staging)');
  });

  test("destroying a protected environment without ALLOW_DESTROY says why, up front", () => {
    expect(main(["destroy", "prod"], { ...process.env, ALLOW_DESTROY: "", DEPLOY_TARGET: "" })).toBe(1);
    expect(stderr.join("")).toContain("prod is protected; run with ALLOW_DESTROY=prod to destroy it");
  });
});

describe("cli plan-pr arguments", () => {
  it("defaults to base mode, both targets, a private Docker engine and pr-plan/", () => {
    expect(parseArgs(["plan-pr", "--base", "origin/main"]).planPr).toEqual({ base: "origin/main", mode: "base", out: "pr-plan", targets: ["kubernetes", "docker"], dockerEngine: "private" });
  });

  it("reports every problem at once", () => {
    expect(() => parseArgs(["plan-pr", "--mode", "preview", "--targets", "kubernetes,nomad", "--docker-engine=remote", "--force"])).toThrow(
      [
        'envapi plan-pr: unknown argument "--force" (known: --base, --mode, --out, --targets, --docker-engine, --run-url)',
        "envapi plan-pr: --base is required (the branch the pull request goes into, e.g. origin/main)",
        'envapi plan-pr: --mode "preview" is not a mode (base or live)',
        'envapi plan-pr: --targets: "nomad" is not a target (kubernetes, docker)',
        'envapi plan-pr: --docker-engine "remote" is not private or current',
      ].join("\n"),
    );
    expect(() => parseArgs(["plan-pr", "--base", "--upload-pack=evil"])).toThrow('--base "--upload-pack=evil" is not a git revision');
  });
});
