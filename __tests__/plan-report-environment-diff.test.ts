import * as path from "path";
import { DEFAULT_SETTINGS_DIR, layeredSettings } from "../settings";
import { diffEnvironments, flattenSettings } from "../plan-report";

describe("flattenSettings", () => {
  test("objects become dotted paths, named list items are keyed by name, odd keys are quoted", () => {
    // GIVEN settings with a named list, a scalar list and a label key with dots and a slash
    const settings = {
      labels: { "app.kubernetes.io/part-of": "envapi" },
      services: [{ name: "api", replicas: 2, secrets: [{ name: "DB_PASSWORD", from: { env: "TF_VAR_db" } }] }],
      hosts: ["a", "b"],
    };

    // WHEN they are flattened
    const flat = flattenSettings(settings);

    // THEN every leaf has one path a reviewer can find in the files
    expect([...flat.entries()]).toEqual([
      ['labels["app.kubernetes.io/part-of"]', "envapi"],
      ["services.api.replicas", 2],
      ["services.api.secrets.DB_PASSWORD.from.env", "TF_VAR_db"],
      ["hosts", ["a", "b"]],
    ]);
  });
});

describe("diffEnvironments", () => {
  test("staging → prod of the real settings lists what promotion changes, sorted, with both values", () => {
    // GIVEN the project's layered settings
    const settings = layeredSettings(DEFAULT_SETTINGS_DIR);

    // WHEN staging and prod are compared
    const diff = diffEnvironments({ name: "staging", settings: settings.get("staging") }, { name: "prod", settings: settings.get("prod") });

    // THEN the paths are sorted, settings both share are absent, and each side's value (or its absence) shows
    const paths = diff.differences.map((difference) => difference.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).not.toContain("project");
    expect(diff.differences).toContainEqual({ path: "protected", from: false, to: true });
    expect(diff.differences).toContainEqual({ path: "services.api.replicas", from: 2, to: 3 });
    expect(diff.differences).toContainEqual({ path: "services.api.ingress.host", from: "api.staging.localhost", to: "api.prod.localhost" });
    expect(diff.differences).toContainEqual({ path: "services.api.grayRelease.canaryTag", from: "0.2.0" });
  });

  test("an environment compared with itself differs nowhere", () => {
    // GIVEN the layered prod settings
    const prod = layeredSettings(DEFAULT_SETTINGS_DIR).get("prod");

    // WHEN prod is compared with itself
    const diff = diffEnvironments({ name: "prod", settings: prod }, { name: "prod", settings: prod });

    // THEN nothing differs
    expect(diff.differences).toEqual([]);
  });

  test("the recorded change turns prod's autoscaling off, which the staging → prod diff shows", () => {
    // GIVEN the settings the plan fixtures were recorded with
    const settings = layeredSettings(path.join(__dirname, "fixtures", "plans", "change.settings"));

    // WHEN staging and prod are compared
    const diff = diffEnvironments({ name: "staging", settings: settings.get("staging") }, { name: "prod", settings: settings.get("prod") });

    // THEN the autoscaling switch and the budget are among the differences
    expect(diff.differences).toContainEqual({ path: "services.api.autoscaling.enabled", from: true, to: false });
    expect(diff.differences).toContainEqual({ path: "services.api.disruptionBudget.enabled", from: false, to: true });
  });
});
