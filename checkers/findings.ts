// What the field's own checkers (Checkov, kube-score) say about what this project generates, read from their JSON
// output as findings with a readable location, so checkers/accepted-findings.yaml can name each one it accepts.

/** The checkers scripts/checkers.sh runs. */
export const CHECKERS = ["checkov", "kube-score"] as const;
export type Checker = (typeof CHECKERS)[number];

/** One failed check on one object. */
export interface Finding {
  /** Which checker reported it. */
  readonly checker: Checker;
  /** The check's id as the checker names it: "CKV_K8S_15", "container-image-pull-policy". */
  readonly check: string;
  /**
   * Where, as slash-separated segments: "<target>/<construct path>" for a synthesized resource
   * ("kubernetes/prod/kubernetes-environment/api/deployment"), "kubernetes/<environment>/<Kind>/<name>" for a deployed
   * object, "image/<path>" for a Dockerfile.
   */
  readonly where: string;
  /** What the checker says, in one line. */
  readonly message: string;
}

/** How many checks passed and failed, per checker and location prefix ("kubernetes/prod", "image"). */
export interface CheckCounts {
  readonly checker: Checker;
  readonly scope: string;
  readonly passed: number;
  readonly failed: number;
}

/** A checker's whole output: its findings and its counts. */
export interface CheckerReport {
  readonly findings: readonly Finding[];
  readonly counts: readonly CheckCounts[];
}

interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
}

interface CheckovReport {
  readonly check_type?: string;
  readonly results?: { readonly passed_checks: readonly CheckovCheck[]; readonly failed_checks: readonly CheckovCheck[] };
}

/**
 * Checkov's `--output json`: one report per framework (a list), one report alone, or a summary without results when
 * nothing was checked. `constructPath` gives a Terraform JSON resource's construct path from its file and name
 * (cdktf writes it into each resource's "//" metadata); locations use it instead of the hashed resource name.
 */
export function checkovReport(output: string, constructPath: (file: string, resourceName: string) => string | undefined): CheckerReport {
  const parsed = JSON.parse(output) as CheckovReport | CheckovReport[];
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter((report) => report.results !== undefined);
  const findings: Finding[] = [];
  const counts = new Map<string, { passed: number; failed: number }>();
  const count = (scope: string, outcome: "passed" | "failed") => {
    const entry = counts.get(scope) ?? { passed: 0, failed: 0 };
    entry[outcome] += 1;
    counts.set(scope, entry);
  };
  for (const report of reports) {
    const results = report.results as NonNullable<CheckovReport["results"]>;
    for (const check of results.passed_checks) count(checkovScope(check.file_path), "passed");
    for (const check of results.failed_checks) {
      count(checkovScope(check.file_path), "failed");
      findings.push({ checker: "checkov", check: check.check_id, where: checkovWhere(check, report.check_type, constructPath), message: check.check_name });
    }
  }
  return {
    findings: sortFindings(findings),
    counts: [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([scope, { passed, failed }]) => ({ checker: "checkov", scope, passed, failed })),
  };
}

/** "/kubernetes/prod/cdk.tf.json" → "kubernetes/prod"; "/image/app/Dockerfile" → "image". */
function checkovScope(filePath: string): string {
  const parts = filePath.replace(/^\/+/, "").split("/");
  return parts[0] === "image" ? "image" : parts.slice(0, 2).join("/");
}

function checkovWhere(check: CheckovCheck, checkType: string | undefined, constructPath: (file: string, resourceName: string) => string | undefined): string {
  const file = check.file_path.replace(/^\/+/, "");
  if (checkType !== "terraform_json") return file;
  // Checkov names a Terraform JSON resource "resource.<name>" (or "<type>.<name>"); the name is cdktf's unique id.
  const name = check.resource.split(".").slice(-1)[0];
  const target = file.split("/")[0];
  const construct = constructPath(file, name);
  return construct === undefined ? `${file.replace(/\/cdk\.tf\.json$/, "")}/${name}` : `${target}/${construct}`;
}

interface KubeScoreObject {
  readonly type_meta: { readonly kind: string };
  readonly object_meta: { readonly name: string; readonly namespace?: string };
  readonly checks: ReadonlyArray<{
    readonly check: { readonly id: string; readonly name: string };
    readonly grade: number;
    readonly skipped: boolean;
    readonly comments: ReadonlyArray<{ readonly path: string; readonly summary: string }> | null;
  }>;
}

/** kube-score's grade of a check that passed. */
const KUBE_SCORE_ALL_OK = 10;

/**
 * kube-score's `--output-format json`, for the objects in the environments' namespaces (`environmentOf` maps a
 * namespace to its environment; objects elsewhere, like the cluster's own, are left out and named in `ignored`).
 */
export function kubeScoreReport(output: string, environmentOf: (namespace: string) => string | undefined): CheckerReport & { readonly ignored: readonly string[] } {
  const objects = JSON.parse(output) as KubeScoreObject[];
  const findings: Finding[] = [];
  const ignored: string[] = [];
  const counts = new Map<string, { passed: number; failed: number }>();
  for (const object of objects) {
    const namespace = object.object_meta.namespace ?? "";
    const environment = environmentOf(namespace);
    const id = `${object.type_meta.kind}/${object.object_meta.name}`;
    if (environment === undefined) {
      ignored.push(`${namespace}/${id}`);
      continue;
    }
    const scope = `kubernetes/${environment}`;
    const entry = counts.get(scope) ?? { passed: 0, failed: 0 };
    counts.set(scope, entry);
    for (const result of object.checks) {
      if (result.skipped) continue;
      if (result.grade >= KUBE_SCORE_ALL_OK) {
        entry.passed += 1;
        continue;
      }
      entry.failed += 1;
      const comments = (result.comments ?? []).map((comment) => (comment.path ? `${comment.path}: ${comment.summary}` : comment.summary));
      findings.push({ checker: "kube-score", check: result.check.id, where: `${scope}/${id}`, message: comments.join("; ") || result.check.name });
    }
  }
  return {
    findings: sortFindings(findings),
    counts: [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([scope, { passed, failed }]) => ({ checker: "kube-score", scope, passed, failed })),
    ignored: ignored.sort(),
  };
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.checker.localeCompare(b.checker) || a.where.localeCompare(b.where) || a.check.localeCompare(b.check));
}
