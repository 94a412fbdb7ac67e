// The verdict on a REAL run of the field's own checkers (scripts/checkers.sh sets CHECKERS_DIR): every finding of
// Checkov and kube-score is accepted by name in checkers/accepted-findings.yaml, and every accepted location still
// occurs. Without CHECKERS_DIR, e.g. in `npm run test:unit`, this is skipped.
import * as fs from "fs";
import * as path from "path";
import { checkovReport, CheckerReport, kubeScoreReport } from "../checkers/findings";
import { judge, loadAcceptedFindings, Verdict } from "../checkers/judge";
import { loadEnvironments } from "../settings";

const checkersDir = process.env.CHECKERS_DIR;
const describeWithRun = checkersDir ? describe : describe.skip;

/** A synthesized resource's construct path, from the "//" metadata cdktf writes into the stack's JSON. */
function constructPath(file: string, resourceName: string): string | undefined {
  const stack: { resource?: Record<string, Record<string, any>> } = JSON.parse(fs.readFileSync(path.join(checkersDir as string, "checkov-input", file), "utf8"));
  for (const resources of Object.values(stack.resource ?? {})) {
    const metadataPath = resources[resourceName]?.["//"]?.metadata?.path;
    if (typeof metadataPath === "string") return metadataPath;
  }
  return undefined;
}

function summary(report: CheckerReport): string {
  return report.counts.map((count) => `  ${count.checker} ${count.scope}: ${count.passed} passed, ${count.failed} failed`).join("\n");
}

describeWithRun("the field's own checkers on what this project generates", () => {
  // Read in beforeAll: a skipped describe still runs its body.
  let namespaces: Map<string, string>;
  let checkov: CheckerReport;
  let kubeScore: ReturnType<typeof kubeScoreReport>;
  let verdict: Verdict;
  beforeAll(() => {
    namespaces = new Map(loadEnvironments().map((environment) => [environment.namespace, environment.name]));
    checkov = checkovReport(fs.readFileSync(path.join(checkersDir as string, "checkov.json"), "utf8"), constructPath);
    kubeScore = kubeScoreReport(fs.readFileSync(path.join(checkersDir as string, "kube-score.json"), "utf8"), (namespace) => namespaces.get(namespace));
    verdict = judge([...checkov.findings, ...kubeScore.findings], loadAcceptedFindings());
  });

  test("both checkers judged every environment", () => {
    // GIVEN the environments of the settings
    const scopes = [...namespaces.values()].map((name) => `kubernetes/${name}`).sort();
    // THEN Checkov checked every Kubernetes stack and the Dockerfiles, and kube-score every deployed namespace
    expect(checkov.counts.map((count) => count.scope).filter((scope) => scope.startsWith("kubernetes/"))).toEqual(scopes);
    expect(checkov.counts.map((count) => count.scope)).toContain("image");
    expect(kubeScore.counts.map((count) => count.scope)).toEqual(scopes);
    process.stdout.write(
      `checkers:\n${summary(checkov)}\n${summary(kubeScore)}\n  accepted findings: ${verdict.accepted.length}; left out (not an environment's): ${kubeScore.ignored.join(", ") || "none"}\n`,
    );
  });

  test("no finding that checkers/accepted-findings.yaml does not accept", () => {
    expect(verdict.unexpected.map((finding) => `${finding.checker} ${finding.check} at ${finding.where}: ${finding.message}`)).toEqual([]);
  });

  test("no accepted location that no finding matches any more", () => {
    expect(verdict.stale.map(({ entry, where }) => `${entry.checker} ${entry.check} at ${where} (remove it from checkers/accepted-findings.yaml)`)).toEqual([]);
  });
});
