// planStacks checks what it can before Terraform runs: the variables a shared backend reads. (Plans against
// throwaway state of a stack on a shared backend are end to end: __tests__/e2e/shared-state.test.ts.)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStacks } from "../cli/plan-stacks";
import { StackFacts, STACK_FACTS_FILE } from "../stacks";
import { BackendEnvironmentError } from "../terraform/backend-environment";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-stacks-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A synth output holding only the facts of `stacks` (nothing is planned in these tests). */
function synthOutput(stacks: ReadonlyArray<Pick<StackFacts, "stack" | "backend">>): string {
  const outdir = fs.mkdtempSync(path.join(work, "synth-"));
  for (const { stack, backend } of stacks) {
    const facts: StackFacts = { stack, backend, platform: "docker", protected: false, preventDestroy: false, secretVariables: [], secretFiles: [], connection: { dockerHost: "unix:///var/run/docker.sock" }, images: [], urls: [], routes: [], served: [] };
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
  test("a shared backend's environment is checked before anything is planned", () => {
    // GIVEN staging on PostgreSQL and no PG_CONN_STR  WHEN planned  THEN the missing variable is named
    const outdir = synthOutput(stacks);
    expect(() => planStacks(path.join(work, "plans"), { CDKTF_OUTDIR: outdir, PLAN_SKIP_SYNTH: "1" }, () => undefined)).toThrow(BackendEnvironmentError);
    expect(fs.existsSync(path.join(work, "plans"))).toBe(false);
  });
});
