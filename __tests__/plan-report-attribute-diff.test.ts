import { attributeChanges, formatPath, jsonEqual } from "../plan-report";
import { changePlans } from "./_plan-fixtures";

describe("attributeChanges", () => {
  test("on every recorded update, no row leaks a value the plan marks sensitive", () => {
    // GIVEN every update and replacement of the recorded plans, with their sensitive masks
    const changes = changePlans()
      .flatMap((plan) => plan.plan?.resource_changes ?? [])
      .filter((change) => change.change.actions.includes("update") || change.change.actions.includes("delete"));
    expect(changes.length).toBeGreaterThan(0);

    // WHEN their attribute changes are computed
    const rows = changes.flatMap((change) => attributeChanges(change.change));

    // THEN no row is empty-handed and every row of a sensitive path carries no value
    expect(rows.length).toBeGreaterThan(0);
    const sensitiveRows = rows.filter((row) => row.path === "data" && row.before.kind === "sensitive");
    expect(sensitiveRows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("fixture-db-password");
  });

  test("a sensitive leaf inside a structure is masked on both sides; its siblings are not", () => {
    // GIVEN a change where only env[0].value is sensitive
    const change = {
      actions: ["update" as const],
      before: { env: [{ name: "A", value: "old-secret" }], replicas: 1 },
      after: { env: [{ name: "B", value: "new-secret" }], replicas: 2 },
      before_sensitive: { env: [{ value: true }] },
      after_sensitive: { env: [{ value: true }] },
      after_unknown: {},
    };

    // WHEN its attribute changes are computed
    const rows = attributeChanges(change);

    // THEN the name and replicas show, the value does not
    expect(rows).toEqual([
      { path: "env[0].name", before: { kind: "value", value: "A" }, after: { kind: "value", value: "B" }, forcesReplacement: false },
      { path: "env[0].value", before: { kind: "sensitive" }, after: { kind: "sensitive" }, forcesReplacement: false },
      { path: "replicas", before: { kind: "value", value: 1 }, after: { kind: "value", value: 2 }, forcesReplacement: false },
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/secret/);
  });

  test("a block added to a list shows its leaves; null and an empty list are no change", () => {
    // GIVEN a change that adds a tls block and turns a null list into an empty one
    const change = {
      actions: ["update" as const],
      before: { tls: [], rules: null },
      after: { tls: [{ hosts: ["a.example"], secret_name: "tls" }], rules: [] },
      after_unknown: { tls: [{ hosts: [false] }] },
      replace_paths: [["tls"]],
    };

    // WHEN its attribute changes are computed
    const rows = attributeChanges(change);

    // THEN the new leaves read from (none), and they force the replacement
    expect(rows).toEqual([
      { path: "tls[0].hosts[0]", before: { kind: "absent" }, after: { kind: "value", value: "a.example" }, forcesReplacement: true },
      { path: "tls[0].secret_name", before: { kind: "absent" }, after: { kind: "value", value: "tls" }, forcesReplacement: true },
    ]);
  });
});

describe("formatPath and jsonEqual", () => {
  test("paths read like Terraform's; null equals a missing value", () => {
    // GIVEN segments with an index and a key that is no identifier
    // WHEN they are formatted
    // THEN the key is quoted in brackets
    expect(formatPath(["metadata", 0, "labels", "app.kubernetes.io/name"])).toBe('metadata[0].labels["app.kubernetes.io/name"]');
    expect(jsonEqual({ a: null }, {})).toBe(true);
    expect(jsonEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
  });
});
