// The pull-request review (`npm run plan:pr`), on real git history and real plans: a temporary repository made
// from this project's files with the fixture settings, a base branch and head changes. Base mode applies the base to
// a throwaway cluster (and a private Docker engine) and plans the head against it; live mode plans against an
// environment deployed here, with a change made behind Terraform's back.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ReportSummaryJson } from "../../plan-report";
import { deepMerge } from "../../settings";
import { mustRun, ROOT, sh, toolchainEnvironment } from "./_e2e";

const FIXTURE_SETTINGS = path.join(ROOT, "__tests__", "fixtures", "settings");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-plan-pr-"));
const repo = path.join(work, "repo");
let env: NodeJS.ProcessEnv;

const git = (...args: string[]) => mustRun("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@localhost", ...args], { cwd: repo });

/** Merges each patch over `environments/<file>` of the temporary repository (the settings layer's merge). */
function patchSettings(patches: Readonly<Record<string, unknown>>): void {
  for (const [file, patch] of Object.entries(patches)) {
    const target = path.join(repo, "environments", file);
    fs.writeFileSync(target, stringify(deepMerge(parse(fs.readFileSync(target, "utf8")), patch)));
  }
}

/** Starts a head branch from base; `change` edits the tree, which is committed. */
function headBranch(name: string, change: () => void): void {
  git("checkout", "--quiet", "-B", name, "base");
  change();
  git("commit", "--quiet", "--allow-empty", "-am", name);
}

interface Review {
  readonly summary: ReportSummaryJson;
  readonly report: string;
}

/** Runs plan:pr in the temporary repository. */
function planPr(name: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Review {
  const out = path.join(work, `out-${name}`);
  mustRun("node", ["scripts/cli.js", "plan-pr", "--base", "base", "--out", out, ...args], {
    cwd: repo,
    env: { ...env, PLAN_PR_CLUSTER_NAME: "envapi-review-e2e", REVIEW_DOCKER_NAME: "envapi-review-e2e", ...extraEnv },
    logFile: path.join(work, `plan-pr-${name}.log`),
    timeoutSeconds: 900,
  });
  return { summary: JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8")) as ReportSummaryJson, report: fs.readFileSync(path.join(out, "report.md"), "utf8") };
}

const stackOf = (review: Review, stack: string, target = "kubernetes") => {
  const found = review.summary.stacks.find((entry) => entry.stack === stack && entry.target === target);
  if (!found) throw new Error(`no ${stack} (${target}) in the summary: ${JSON.stringify(review.summary.stacks.map((entry) => entry.stack))}`);
  return found;
};

beforeAll(() => {
  env = toolchainEnvironment(path.join(work, "toolchain.log"));
  // The project's tracked files as they are now, with the fixture settings in place of environments/.
  fs.mkdirSync(repo);
  const files = mustRun("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).split("\0").filter(Boolean);
  for (const file of files) {
    if (!fs.existsSync(path.join(ROOT, file))) continue;
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(repo, file));
  }
  for (const file of fs.readdirSync(path.join(repo, "environments"))) fs.rmSync(path.join(repo, "environments", file));
  for (const file of fs.readdirSync(FIXTURE_SETTINGS)) fs.copyFileSync(path.join(FIXTURE_SETTINGS, file), path.join(repo, "environments", file));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"));
  git("init", "--quiet", "-b", "base");
  git("add", "-A");
  git("commit", "--quiet", "-m", "base");
}, 2400 * 1000);

afterAll(() => {
  sh("scripts/cluster.sh", ["down"], { env: { ...process.env, CLUSTER_PROVIDER: "kwok", CLUSTER_NAME: "envapi-live-e2e", CLUSTER_KUBECONFIG: path.join(work, "live.kubeconfig") } });
  if (process.env.KEEP_E2E_WORK === "1") process.stderr.write(`plan-pr e2e: work files kept in ${work}\n`);
  else fs.rmSync(work, { recursive: true, force: true });
});

describe("base mode", () => {
  it("lists exactly what one setting of staging touches, with its cause, and a protected environment's destroy and replace with theirs", () => {
    headBranch("one-setting", () =>
      patchSettings({
        "staging.yaml": { services: [{ name: "api", config: { GREETING: "hello from the pull request" } }] },
        "prod.yaml": { services: [{ name: "api", autoscaling: { enabled: false }, disruptionBudget: { minAvailable: 1 } }] },
      }),
    );
    const review = planPr("one-setting", ["--targets", "kubernetes"]);
    expect(stackOf(review, "dev").status).toBe("no-changes");
    const staging = stackOf(review, "staging");
    expect(staging.counts).toEqual({ add: 0, change: 2, replace: 0, destroy: 0 });
    for (const resource of staging.resources) expect(resource.cause).toMatchObject({ settings: ["services.api.config.GREETING"], code: false, origins: ["pull-request"] });
    expect(staging.resources.map((resource) => resource.cause?.constructPath).sort()).toEqual(["staging/kubernetes-environment/api/config", "staging/kubernetes-environment/api/deployment"]);
    expect(review.report).toContain('<code>services.api.config.GREETING</code> <code>"hello from staging"</code> → <code>"hello from the pull request"</code> (<code>environments/staging.yaml</code>)');
    expect(review.report).toContain("**Base mode**");

    const prod = stackOf(review, "prod");
    expect(review.summary.protectedDestructive).toBe(true);
    const autoscaler = prod.resources.find((resource) => resource.address.startsWith("kubernetes_horizontal_pod_autoscaler_v2."));
    const budget = prod.resources.find((resource) => resource.address.startsWith("kubernetes_pod_disruption_budget_v1."));
    expect(autoscaler).toMatchObject({ kind: "delete", cause: { settings: ["services.api.autoscaling.enabled"], code: false } });
    expect(budget).toMatchObject({ kind: "replace", cause: { settings: ["services.api.disruptionBudget.minAvailable"], code: false } });
    const caution = review.report.slice(review.report.indexOf("[!CAUTION]"), review.report.indexOf("| Stack |"));
    expect(caution).toContain(`destroy <code>${autoscaler?.address}</code>`);
    expect(caution).toContain("<code>services.api.autoscaling.enabled</code> <code>true</code> → <code>false</code> (<code>environments/prod.yaml</code>)");
    expect(caution).toContain(`replace <code>${budget?.address}</code>`);
    expect(caution).toContain("<code>services.api.disruptionBudget.minAvailable</code> <code>2</code> → <code>1</code>");
  });

  it("says no changes for every stack when the head changes nothing", () => {
    headBranch("nothing", () => undefined);
    const review = planPr("nothing", ["--targets", "kubernetes"]);
    expect(review.summary.stacks.map((stack) => [stack.stack, stack.status])).toEqual([
      ["dev", "no-changes"],
      ["prod", "no-changes"],
      ["staging", "no-changes"],
    ]);
  });

  it("lists a change of code as from code, not from settings", () => {
    headBranch("code-only", () => {
      const file = path.join(repo, "constructs", "kubernetes", "workload.ts");
      const source = fs.readFileSync(file, "utf8");
      expect(source).toContain("props.runAsUser ?? 65532");
      fs.writeFileSync(file, source.replace("props.runAsUser ?? 65532", "props.runAsUser ?? 65533"));
    });
    const review = planPr("code-only", ["--targets", "kubernetes"]);
    for (const name of ["dev", "staging", "prod"]) {
      const stack = stackOf(review, name);
      expect(stack.resources.length).toBeGreaterThan(0);
      for (const resource of stack.resources) expect(resource.cause).toMatchObject({ settings: [], code: true, origins: ["pull-request"] });
    }
    expect(review.report).toContain("cause: code (no settings change explains it)");
  });

  it("a pull request adding a secret read from a file ends in a report (never a crash), the secret's contents nowhere in it", () => {
    // GIVEN a head that adds a secret of staging's API read from a file (README: from: { file: path })
    const secretFile = path.join(work, "tls.key");
    const contents = `file-secret-${process.pid}-${Date.now()}`;
    fs.writeFileSync(secretFile, contents, { mode: 0o600 });
    headBranch("secret-from-file", () => patchSettings({ "staging.yaml": { services: [{ name: "api", secrets: [{ name: "TLS_KEY", from: { file: secretFile } }] }] } }));
    // WHEN reviewed (mustRun: a crash would fail here, with its output)
    const review = planPr("secret-from-file", ["--targets", "kubernetes"]);
    // THEN staging's plan is in the report, and neither the report nor the summary carries the file's contents
    const staging = stackOf(review, "staging");
    expect(staging.resources.length).toBeGreaterThan(0);
    expect(review.report).not.toContain(contents);
    expect(JSON.stringify(review.summary)).not.toContain(contents);
  });

  it("plans the Docker target against a private engine the same way", () => {
    headBranch("docker-setting", () => patchSettings({ "staging.yaml": { services: [{ name: "api", config: { GREETING: "hello over Docker" } }] } }));
    const before = sh("docker", ["ps", "-aq"]).output;
    // staging and prod build the same tag: each environment's image has its own name, so neither build retags the
    // other's and prod's plan stays empty.
    const review = planPr("docker-setting", ["--targets", "docker"], { ENVIRONMENTS: "staging,prod" });
    expect(stackOf(review, "prod", "docker").status).toBe("no-changes");
    const staging = stackOf(review, "staging", "docker");
    expect(staging.resources.length).toBeGreaterThan(0);
    for (const resource of staging.resources) expect(resource.cause).toMatchObject({ settings: ["services.api.config.GREETING"], code: false });
    // The user's engine saw none of it.
    expect(sh("docker", ["ps", "-aq"]).output).toBe(before);
  });
});

describe("live mode", () => {
  it("shows drift apart from the pull request's change", () => {
    // An environment deployed here from the base: its own cluster, reached as ~/.kube/config's kind-envapi.
    git("checkout", "--quiet", "base");
    const kubeconfig = path.join(work, "live.kubeconfig");
    const clusterEnv = { ...env, CLUSTER_PROVIDER: "kwok", CLUSTER_NAME: "envapi-live-e2e", CLUSTER_KUBECONFIG: kubeconfig };
    mustRun("scripts/cluster.sh", ["up"], { cwd: repo, env: clusterEnv, logFile: path.join(work, "live-cluster.log") });
    const home = path.join(work, "live-home");
    fs.mkdirSync(path.join(home, ".kube"), { recursive: true });
    fs.writeFileSync(path.join(home, ".kube", "config"), fs.readFileSync(kubeconfig, "utf8").split("kind-envapi-live-e2e").join("kind-envapi"));
    const liveEnv = { ...env, HOME: home, ENVIRONMENTS: "staging", TF_VAR_api_db_password: "live-e2e-password", TOOLCHAIN_CACHE: env.TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "env-as-code") };
    mustRun("node", ["scripts/cli.js", "deploy", "staging"], { cwd: repo, env: { ...liveEnv, CLUSTER_PROVIDER: "kwok", CLUSTER_NAME: "envapi-live-e2e", CLUSTER_KUBECONFIG: kubeconfig }, logFile: path.join(work, "live-deploy.log"), timeoutSeconds: 900 });
    // Behind Terraform's back: a label on the Service.
    const kubectl = mustRun("bash", ["-c", 'eval "$(scripts/cluster.sh env)" && command -v kubectl'], { cwd: repo, env: clusterEnv }).trim();
    mustRun(kubectl, ["--kubeconfig", kubeconfig, "-n", "envapi-staging", "label", "service", "api", "tier=changed-by-hand"]);

    headBranch("live", () => patchSettings({ "staging.yaml": { services: [{ name: "api", config: { GREETING: "hello live" } }] } }));
    const review = planPr("live", ["--mode", "live", "--targets", "kubernetes"], liveEnv);
    const staging = stackOf(review, "staging");
    const service = staging.resources.find((resource) => resource.address.startsWith("kubernetes_service_v1."));
    expect(service?.cause).toMatchObject({ settings: [], code: false, origins: ["drift"] });
    const fromPr = staging.resources.filter((resource) => resource.cause?.origins.includes("pull-request"));
    expect(fromPr.map((resource) => resource.cause?.constructPath).sort()).toEqual(["staging/kubernetes-environment/api/config", "staging/kubernetes-environment/api/deployment"]);
    expect(review.report).toContain("**Live mode**");
    expect(review.report).toContain("Changed outside Terraform (drift this plan undoes):");
    expect(review.report).toMatch(/kubernetes_service_v1\.[^<]*<\/code>: <code>metadata\[0\]\.labels/);
  });
});
