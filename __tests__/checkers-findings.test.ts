import { checkovReport, kubeScoreReport } from "../checkers/findings";

const checkovCheck = (id: string, file: string, resource: string) => ({ check_id: id, check_name: `name of ${id}`, file_path: file, resource });

describe("Checkov's JSON output as findings", () => {
  const constructs: Record<string, string> = { "kubernetes/prod/cdk.tf.json kubernetes-environment_api_deployment_487B27D3": "prod/kubernetes-environment/api/deployment" };
  const constructPath = (file: string, name: string) => constructs[`${file} ${name}`];

  test("a report per framework: failed checks with their construct path, counts per stack and for the images", () => {
    // GIVEN Checkov's output for the terraform_json and dockerfile frameworks
    const output = JSON.stringify([
      {
        check_type: "terraform_json",
        results: {
          passed_checks: [checkovCheck("CKV_K8S_8", "/kubernetes/prod/cdk.tf.json", "resource.kubernetes-environment_api_deployment_487B27D3")],
          failed_checks: [checkovCheck("CKV_K8S_15", "/kubernetes/prod/cdk.tf.json", "resource.kubernetes-environment_api_deployment_487B27D3")],
        },
      },
      { check_type: "dockerfile", results: { passed_checks: [], failed_checks: [checkovCheck("CKV_DOCKER_7", "/image/app/Dockerfile", "/image/app/Dockerfile.FROM")] } },
    ]);
    // WHEN it is read
    const report = checkovReport(output, constructPath);
    // THEN each finding names the check and a readable location
    expect(report.findings).toEqual([
      { checker: "checkov", check: "CKV_DOCKER_7", where: "image/app/Dockerfile", message: "name of CKV_DOCKER_7" },
      { checker: "checkov", check: "CKV_K8S_15", where: "kubernetes/prod/kubernetes-environment/api/deployment", message: "name of CKV_K8S_15" },
    ]);
    expect(report.counts).toEqual([
      { checker: "checkov", scope: "image", passed: 0, failed: 1 },
      { checker: "checkov", scope: "kubernetes/prod", passed: 1, failed: 1 },
    ]);
  });

  test("a resource without construct metadata keeps its file and name; a summary without results has no findings", () => {
    const output = JSON.stringify({ check_type: "terraform_json", results: { passed_checks: [], failed_checks: [checkovCheck("CKV_K8S_43", "/kubernetes/dev/cdk.tf.json", "resource.other_1")] } });
    expect(checkovReport(output, constructPath).findings.map((finding) => finding.where)).toEqual(["kubernetes/dev/other_1"]);
    expect(checkovReport(JSON.stringify({ passed: 0, failed: 0, resource_count: 0 }), constructPath)).toEqual({ findings: [], counts: [] });
  });
});

describe("kube-score's JSON output as findings", () => {
  const object = (namespace: string, kind: string, name: string, checks: Array<{ id: string; grade: number; skipped?: boolean; comments?: Array<{ path: string; summary: string }> }>) => ({
    type_meta: { kind },
    object_meta: { name, namespace },
    checks: checks.map((check) => ({ check: { id: check.id, name: `name of ${check.id}` }, grade: check.grade, skipped: check.skipped ?? false, comments: check.comments ?? null })),
  });

  test("graded checks below OK are findings, per environment; skipped ones and other namespaces are left out", () => {
    // GIVEN kube-score's output for a namespace of an environment and the cluster's own
    const output = JSON.stringify([
      object("envapi-staging", "Deployment", "api", [
        { id: "container-image-pull-policy", grade: 1, comments: [{ path: "api", summary: "ImagePullPolicy is not set to Always" }] },
        { id: "pod-networkpolicy", grade: 5, comments: [{ path: "", summary: "The pod does not have a matching egress NetworkPolicy" }] },
        { id: "pod-probes", grade: 10 },
        { id: "deployment-replicas", grade: 1, skipped: true },
      ]),
      object("default", "Service", "kubernetes", [{ id: "service-targets-pod", grade: 1 }]),
    ]);
    // WHEN it is read with staging's namespace
    const report = kubeScoreReport(output, (namespace) => (namespace === "envapi-staging" ? "staging" : undefined));
    // THEN
    expect(report.findings).toEqual([
      { checker: "kube-score", check: "container-image-pull-policy", where: "kubernetes/staging/Deployment/api", message: "api: ImagePullPolicy is not set to Always" },
      { checker: "kube-score", check: "pod-networkpolicy", where: "kubernetes/staging/Deployment/api", message: "The pod does not have a matching egress NetworkPolicy" },
    ]);
    expect(report.counts).toEqual([{ checker: "kube-score", scope: "kubernetes/staging", passed: 1, failed: 2 }]);
    expect(report.ignored).toEqual(["default/Service/kubernetes"]);
  });
});
