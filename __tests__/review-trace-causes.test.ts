// Cause tracing of a pull request's changes, on fixture settings: which settings key (and file) or code change
// explains each changed resource.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { deepMerge, environmentsFromLayered, layeredSettings } from "../settings";
import { settingChanges, SettingsRevision, synthesizedResources, traceCauses } from "../review";
import { writeStacks } from "../stacks/synthesize-app";

const FIXTURES = path.join(__dirname, "fixtures", "settings");

/** A copy of the fixture settings with `patches[file]` merged over each file (the layering's merge). */
function revision(patches: Readonly<Record<string, unknown>> = {}): SettingsRevision {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-settings-"));
  for (const file of fs.readdirSync(FIXTURES)) {
    const text = fs.readFileSync(path.join(FIXTURES, file), "utf8");
    fs.writeFileSync(path.join(dir, file), file in patches ? stringify(deepMerge(parse(text), patches[file])) : text);
  }
  return { dir, name: "environments", layered: layeredSettings(dir) };
}

function synthesize(settings: SettingsRevision, environment: string) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "review-synth-"));
  writeStacks(environmentsFromLayered(settings.layered, settings.dir, { platform: "kubernetes" }).filter((spec) => spec.name === environment), { outdir, platform: "kubernetes" });
  return synthesizedResources(path.join(outdir, "stacks", environment));
}

/** The addresses whose configuration differs between the two synths. */
function changed(before: ReturnType<typeof synthesize>, after: ReturnType<typeof synthesize>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((address) => before.get(address)?.body !== after.get(address)?.body).sort();
}

const base = revision();

describe("settingChanges", () => {
  it("names the key, both values and the file that changed it", () => {
    const head = revision({ "staging.yaml": { services: [{ name: "api", config: { GREETING: "hi v2" } }] }, "base.yaml": { quota: { pods: 30 } } });
    expect(settingChanges("staging", base, head).map(({ steps: _steps, ...change }) => change)).toEqual([
      { path: "quota.pods", from: 20, to: 30, file: "environments/base.yaml" },
      { path: "services.api.config.GREETING", from: "hello from staging", to: "hi v2", file: "environments/staging.yaml" },
    ]);
  });

  it("is empty when nothing changes", () => {
    expect(settingChanges("prod", base, revision())).toEqual([]);
  });
});

describe("traceCauses", () => {
  const baseStaging = synthesize(base, "staging");

  it("explains a one-setting change, derived changes included, and nothing else", () => {
    const head = revision({ "staging.yaml": { services: [{ name: "api", config: { GREETING: "hi v2" } }] } });
    const addresses = changed(baseStaging, synthesize(head, "staging"));
    expect(addresses).toHaveLength(2); // the ConfigMap and the Deployment (its config checksum)
    const causes = traceCauses({ environment: "staging", platform: "kubernetes", base, head, baseResources: baseStaging, addresses });
    for (const address of addresses) {
      const cause = causes.resources[address];
      expect(cause.settings.map((change) => [change.path, change.file, change.from, change.to])).toEqual([["services.api.config.GREETING", "environments/staging.yaml", "hello from staging", "hi v2"]]);
      expect(cause.code).toBe(false);
      expect(cause.settingsTogether).toBe(false);
    }
    expect(addresses.map((address) => causes.resources[address].constructPath)).toEqual(["staging/kubernetes-environment/api/config", "staging/kubernetes-environment/api/deployment"]);
  });

  it("tells two keys apart and lists a resource both change under both", () => {
    const head = revision({ "prod.yaml": { services: [{ name: "api", autoscaling: { enabled: false }, disruptionBudget: { minAvailable: 1 } }] } });
    const baseProd = synthesize(base, "prod");
    const addresses = changed(baseProd, synthesize(head, "prod"));
    const causes = traceCauses({ environment: "prod", platform: "kubernetes", base, head, baseResources: baseProd, addresses });
    const byKey = (key: string) => addresses.filter((address) => causes.resources[address].settings.some((change) => change.path === key));
    expect(byKey("services.api.autoscaling.enabled").some((address) => address.startsWith("kubernetes_horizontal_pod_autoscaler_v2."))).toBe(true);
    expect(byKey("services.api.disruptionBudget.minAvailable")).toEqual(addresses.filter((address) => address.startsWith("kubernetes_pod_disruption_budget_v1.")));
    for (const address of addresses) expect(causes.resources[address].code).toBe(false);
  });

  it("says code when the settings do not change but the configuration does", () => {
    const head = revision();
    const baseWithOtherCode = new Map(baseStaging);
    const [address, resource] = [...baseStaging].find(([key]) => key.startsWith("kubernetes_service_v1.")) ?? [];
    baseWithOtherCode.set(address as string, { ...resource, body: `${resource?.body}-older` });
    const causes = traceCauses({ environment: "staging", platform: "kubernetes", base, head, baseResources: baseWithOtherCode, addresses: [address as string] });
    expect(causes.resources[address as string]).toMatchObject({ settings: [], code: true, settingsTogether: false });
  });

  it("marks every resource of an environment the base does not have as new", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-settings-"));
    for (const file of ["base.yaml", "dev.yaml", "prod.yaml"]) fs.copyFileSync(path.join(FIXTURES, file), path.join(dir, file));
    const withoutStaging = { dir, name: "environments", layered: layeredSettings(dir) };
    const head = revision();
    const addresses = [...synthesize(head, "staging").keys()];
    const causes = traceCauses({ environment: "staging", platform: "kubernetes", base: withoutStaging, head, baseResources: new Map(), addresses });
    expect(causes.newEnvironment).toBe(true);
    expect(causes.settingChanges.every((change) => change.file === "environments/staging.yaml")).toBe(true);
  });
});
