import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Finding } from "../checkers/findings";
import { AcceptedFinding, judge, loadAcceptedFindings, whereMatches } from "../checkers/judge";

const finding = (check: string, where: string): Finding => ({ checker: "kube-score", check, where, message: "m" });
const entry = (check: string, where: string[]): AcceptedFinding => ({ checker: "kube-score", check, where, reason: "a reason long enough to judge" });

describe("location patterns", () => {
  test.each([
    ["kubernetes/*/Deployment/api", "kubernetes/dev/Deployment/api", true],
    ["kubernetes/*/Deployment/api", "kubernetes/dev/Deployment/api-canary", false],
    ["kubernetes/*/Deployment/api*", "kubernetes/dev/Deployment/api-canary", true],
    ["kubernetes/*", "kubernetes/dev/Deployment/api", false],
    ["kubernetes/**", "kubernetes/dev/Deployment/api", true],
    ["image/app/Dockerfile", "image/app/Dockerfile", true],
    ["image/app.Dockerfile", "image/appxDockerfile", false],
  ])("%s matches %s: %s", (pattern, where, expected) => expect(whereMatches(pattern, where)).toBe(expected));
});

describe("the verdict on a run", () => {
  test("an accepted finding passes, a new one is unexpected, an accepted location that no longer occurs is stale", () => {
    // GIVEN two findings and two accepted entries, one of them with a location that no longer occurs
    const findings = [finding("container-image-pull-policy", "kubernetes/dev/Deployment/api"), finding("pod-networkpolicy", "kubernetes/dev/Deployment/api")];
    const entries = [entry("container-image-pull-policy", ["kubernetes/*/Deployment/api"]), entry("deployment-replicas", ["kubernetes/dev/Deployment/api"])];
    // WHEN judged
    const verdict = judge(findings, entries);
    // THEN
    expect(verdict.accepted.map((item) => item.finding.check)).toEqual(["container-image-pull-policy"]);
    expect(verdict.unexpected.map((item) => item.check)).toEqual(["pod-networkpolicy"]);
    expect(verdict.stale).toEqual([{ entry: entries[1], where: "kubernetes/dev/Deployment/api" }]);
  });

  test("a check accepted at one location is new at another", () => {
    const verdict = judge([finding("container-image-tag", "kubernetes/prod/Deployment/api")], [entry("container-image-tag", ["kubernetes/dev/Deployment/api"])]);
    expect(verdict.unexpected).toHaveLength(1);
    expect(verdict.stale).toHaveLength(1);
  });
});

describe("the accepted findings file", () => {
  test("the project's list is valid: every entry a known checker, a check, locations and a reason", () => {
    const entries = loadAcceptedFindings();
    expect(entries.length).toBeGreaterThan(0);
    for (const accepted of entries) expect(accepted.reason.length).toBeGreaterThanOrEqual(20);
  });

  test("an entry without a reason, with an unknown checker or repeating a check is refused, every problem named", () => {
    // GIVEN a list with three problems
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "accepted-")), "accepted-findings.yaml");
    fs.writeFileSync(
      file,
      [
        "- { checker: kube-score, check: deployment-replicas, where: [kubernetes/dev/Deployment/api], reason: a reason long enough to judge }",
        "- { checker: kube-score, check: container-image-tag, where: [kubernetes/dev/Deployment/api], reason: ok }",
        "- { checker: trivy, check: X, where: [a], reason: a reason long enough to judge }",
        "- { checker: kube-score, check: deployment-replicas, where: [kubernetes/qa/Deployment/api], reason: a reason long enough to judge }",
      ].join("\n"),
    );
    // THEN loading names each of them
    expect(() => loadAcceptedFindings(file)).toThrow(
      /3 problems[\s\S]*\[1\.reason\] needs a reason[\s\S]*\[2\.checker\][\s\S]*\[3\.check\] repeats entry 0 \(kube-score deployment-replicas\)/,
    );
  });
});
