// The recorded plans of __tests__/fixtures/plans/ (scripts/record-plan-fixtures.sh) as the report reads them.
import * as path from "path";
import { layeredSettings, loadEnvironments } from "../settings";
import { buildReport, diffEnvironments, PlanReport, readPlanDir, StackPlan } from "../plan-report";

export const FIXTURES = path.join(__dirname, "fixtures", "plans");
export const CHANGE_PLANS = path.join(FIXTURES, "change");
export const CHANGE_SETTINGS = path.join(FIXTURES, "change.settings");
/** The dummy secret values the fixtures were recorded with: they must never reach a report. */
export const FIXTURE_SECRETS = ["fixture-db-password-v1", "fixture-db-password-v2"];

let plans: readonly StackPlan[] | undefined;
let report: PlanReport | undefined;

/** The recorded stacks, protected as their settings say (read once per test file: nothing changes them). */
export function changePlans(): readonly StackPlan[] {
  if (!plans) {
    const protectedNames = new Set(loadEnvironments(CHANGE_SETTINGS).filter((spec) => spec.protected).map((spec) => spec.name));
    plans = readPlanDir(CHANGE_PLANS).map((files) => ({ ...files, protected: protectedNames.has(files.stack) }));
  }
  return plans;
}

/** The report of the recorded change, with the staging → prod diff of its settings. */
export function changeReport(): PlanReport {
  if (!report) {
    const settings = layeredSettings(CHANGE_SETTINGS);
    const diff = diffEnvironments({ name: "staging", settings: settings.get("staging") }, { name: "prod", settings: settings.get("prod") });
    report = buildReport(changePlans(), diff);
  }
  return report;
}
