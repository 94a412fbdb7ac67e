// planStacks checks what it can before Terraform runs: the backends' environment variables, and that throwaway
// local state (PLAN_STATE_DIR) is not asked of a stack whose state is shared.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandError } from "../cli/_processes";
import { planStacks } from "../cli/plan-stacks";
import { StackFacts, STACK_FACTS_FILE } from "../stacks";
import { BackendEnvironmentError } from "../terraform/backend-environment";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-stacks-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A synth output holding only the facts of `stacks` (nothing is planned in these tests). */
function synthOutput(stacks: ReadonlyArray<Pick<StackFacts, "stack" | "backend">>): string {
  const outdir = fs.mkdtempSync(path.join(work, "synth-"));
  for (const { stack, backend } of stacks) {
    const facts: StackFacts = { stack, backend, platform: "docker", protected: false, preventDestroy: false, secretVariables: [], secretFiles: [] };
    fs.mkdirSync(path.join(outdir, "stacks", stack), { recursive: true });
    fs.writeFileSync(path.join(outdir, "stacks", stack, STACK_FACTS_FILE), JSON.stringify(facts));
  }
  return outdir;
}

const stacks = [
  { stack: "dev", backend: { type: "local" as const, config: { path: "dev.tfstate" } } },
  { stack: "staging", backend: { type: "pg" as const, config: { schema_name: "envapi_staging_docker" } } },
];

describe("planStacks", () => {
  test("throwaway local state is refused for a stack on a shared backend, before anything is planned", () => {
    // GIVEN dev on a local file and staging on PostgreSQL  WHEN planned with PLAN_STATE_DIR
    const outdir = synthOutput(stacks);
    const plan = () => planStacks(path.join(work, "plans"), { CDKTF_OUTDIR: outdir, PLAN_SKIP_SYNTH: "1", PLAN_STATE_DIR: path.join(work, "state") }, () => undefined);
    // THEN it stops naming the stack and its backend, and no plan folder was made
    expect(plan).toThrow(CommandError);
    expect(plan).toThrow("PLAN_STATE_DIR keeps state in local files, but staging uses the pg backend: plan it without PLAN_STATE_DIR (against the shared state) or limit ENVIRONMENTS");
    expect(fs.existsSync(path.join(work, "plans"))).toBe(false);
  });

  test("a shared backend's environment is checked before anything is planned", () => {
    // GIVEN staging on PostgreSQL and no PG_CONN_STR  WHEN planned  THEN the missing variable is named
    const outdir = synthOutput(stacks);
    expect(() => planStacks(path.join(work, "plans"), { CDKTF_OUTDIR: outdir, PLAN_SKIP_SYNTH: "1" }, () => undefined)).toThrow(BackendEnvironmentError);
    expect(fs.existsSync(path.join(work, "plans"))).toBe(false);
  });
});
