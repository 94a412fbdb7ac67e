import { AttributeChange, SecretMask, SENSITIVE_TEXT, StackSummary, summarizeStack } from "../plan-report";
import { changePlans } from "./_plan-fixtures";

let cached: Map<string, StackSummary> | undefined;
const summaries = (): Map<string, StackSummary> => (cached ??= new Map(changePlans().map((plan) => [plan.stack, summarizeStack(plan)])));
const kindsOf = (summary: StackSummary | undefined) => summary?.resources.map((resource) => `${resource.kind} ${resource.type}`);

describe("summarizeStack on the recorded plans", () => {
  test("dev: a created disruption budget and in-place updates, counted as in the header table", () => {
    // GIVEN dev's plan after GREETING, the DB password and the disruption budget changed
    // WHEN it is summarized
    const dev = summaries().get("dev");

    // THEN the budget is created, the config map, secret and deployment are updated, nothing is lost
    expect(dev?.status).toBe("changes");
    expect(dev?.counts).toEqual({ add: 1, change: 3, replace: 0, destroy: 0 });
    expect(kindsOf(dev)).toEqual([
      "update kubernetes_config_map_v1",
      "update kubernetes_deployment_v1",
      "update kubernetes_secret_v1",
      "create kubernetes_pod_disruption_budget_v1",
    ]);
  });

  test("dev: the changed attributes show before → after, the checksum annotation included", () => {
    // GIVEN dev's summary
    const dev = summaries().get("dev");

    // WHEN the config map's and the deployment's attribute changes are read
    const configMap = dev?.resources.find((resource) => resource.type === "kubernetes_config_map_v1");
    const deployment = dev?.resources.find((resource) => resource.type === "kubernetes_deployment_v1");

    // THEN GREETING shows both values and the pod template's config checksum changes with it
    expect(configMap?.attributes).toContainEqual({
      path: "data.GREETING",
      before: { kind: "value", value: "hello from dev" },
      after: { kind: "value", value: "hello from dev, v2" },
      forcesReplacement: false,
    });
    expect(deployment?.attributes.map((row) => row.path)).toContain('spec[0].template[0].metadata[0].annotations["checksum/config"]');
  });

  test("dev: the secret's data is sensitive on both sides and carries no value", () => {
    // GIVEN dev's summary, whose secret changed because TF_VAR_api_db_password did
    const dev = summaries().get("dev");

    // WHEN the secret's attribute changes are read
    const secret = dev?.resources.find((resource) => resource.type === "kubernetes_secret_v1");

    // THEN the data row says "sensitive" and nothing else
    expect(secret?.attributes).toEqual([
      { path: "data", before: { kind: "sensitive" }, after: { kind: "sensitive" }, forcesReplacement: false },
    ]);
  });

  test("staging: nothing changes", () => {
    // GIVEN staging's plan, whose settings did not change
    // WHEN it is summarized
    const staging = summaries().get("staging");

    // THEN it has no changes and all counts are zero
    expect(staging?.status).toBe("no-changes");
    expect(staging?.counts).toEqual({ add: 0, change: 0, replace: 0, destroy: 0 });
    expect(staging?.resources).toEqual([]);
  });

  test("prod (protected): the budget is replaced because min_available forces it, the autoscaler destroyed", () => {
    // GIVEN prod's plan after minAvailable 2 → 1 and autoscaling off
    // WHEN it is summarized
    const prod = summaries().get("prod");

    // THEN the destruction comes first, and the replacement names the attribute that forces it
    expect(prod?.protected).toBe(true);
    expect(prod?.counts).toMatchObject({ replace: 1, destroy: 1 });
    expect(kindsOf(prod)?.slice(0, 2)).toEqual(["delete kubernetes_horizontal_pod_autoscaler_v2", "replace kubernetes_pod_disruption_budget_v1"]);
    const budget = prod?.resources.find((resource) => resource.kind === "replace");
    expect(budget?.reason).toBe("replace_because_cannot_update");
    expect(budget?.attributes).toContainEqual({
      path: "spec[0].min_available",
      before: { kind: "value", value: "2" },
      after: { kind: "value", value: "1" },
      forcesReplacement: true,
    });
  });

  test("computed attributes of a replaced or created object are (known after apply)", () => {
    // GIVEN prod's replaced budget and dev's new one
    const all = summaries();
    const replaced = all.get("prod")?.resources.find((resource) => resource.kind === "replace");
    const created = all.get("dev")?.resources.find((resource) => resource.kind === "create");

    // WHEN their unknown attributes are collected
    const unknown = (rows: readonly AttributeChange[] = []) => rows.filter((row) => row.after.kind === "unknown");

    // THEN the object's uid is only known after apply; the old object's uid is still shown as "before"
    expect(unknown(replaced?.attributes).find((row) => row.path === "metadata[0].uid")?.before.kind).toBe("value");
    expect(unknown(created?.attributes).map((row) => row.path)).toEqual(["id", "metadata[0].generation", "metadata[0].resource_version", "metadata[0].uid"]);
  });
});

describe("summarizeStack on a failed plan", () => {
  test("a stack without a plan is failed and keeps the error", () => {
    // GIVEN a stack whose plan failed
    // WHEN it is summarized
    const summary = summarizeStack({ stack: "dev", target: "kubernetes", protected: false, error: "Error: no cluster" });

    // THEN it is failed, with zero counts and the error text
    expect(summary).toMatchObject({ status: "failed", counts: { add: 0, change: 0, replace: 0, destroy: 0 }, error: "Error: no cluster" });
  });
});

describe("summarizeStack with a mask", () => {
  test("masks the secrets it is given in the plan text, the attributes and a failed stack's error", () => {
    // GIVEN dev's recorded plan and a mask of its GREETING (as if it were a secret file's contents), and a failed stack
    const dev = changePlans().find((plan) => plan.stack === "dev");
    if (!dev) throw new Error("no dev plan in the fixtures");
    const mask = new SecretMask(["hello from dev, v2\n"]);

    // WHEN both are summarized with the mask
    const summary = summarizeStack(dev, mask);
    const failed = summarizeStack({ stack: "prod", target: "kubernetes", protected: true, error: "Error: bad value hello from dev, v2" }, mask);

    // THEN the value reads (sensitive) in the attributes and (sensitive value) in the texts
    const configMap = summary.resources.find((resource) => resource.type === "kubernetes_config_map_v1");
    expect(configMap?.attributes.find((row) => row.path === "data.GREETING")?.after).toEqual({ kind: "sensitive" });
    expect(summary.planText).not.toContain("hello from dev, v2");
    expect(summary.planText).toContain(SENSITIVE_TEXT);
    expect(failed.error).toBe(`Error: bad value ${SENSITIVE_TEXT}`);
  });
});
