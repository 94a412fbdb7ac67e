import { buildReport, renderMarkdown } from "../plan-report";
import { PlanJson } from "../plan-report/plan-json";
import { validateEnvironments } from "../settings";
import { patchedSettings, synthStack } from "./_helpers";

/** Staging with its canary at `weight`, optionally routed by Ingress instead of a Gateway route. */
function staging(weight: number, routing?: "ingress") {
  const settings = patchedSettings({ staging: { ...(routing ? { ingressController: { routing } } : {}), services: [{ name: "api", grayRelease: { canaryWeight: weight } }] } });
  return validateEnvironments(settings).find((candidate) => candidate.name === "staging") as NonNullable<ReturnType<typeof validateEnvironments>[number]>;
}

describe("a stack's release state output", () => {
  test.each([
    ["kubernetes", undefined, 25, "canary 0.2.0 at 25% of requests, stable 0.1.0"],
    ["docker", undefined, 25, "canary 0.2.0 at 25% of requests, stable 0.1.0"],
    // Ingress routing splits pods: 25% of staging's 2 replicas is 1 of 2
    ["kubernetes", "ingress", 25, "canary 0.2.0 at 50% of requests, stable 0.1.0"],
    ["kubernetes", undefined, 0, "canary 0.2.0 at 0% of requests, stable 0.1.0"],
  ] as const)("on %s (routing %s) at weight %i it says %j", (platform, routing, weight, expected) => {
    // GIVEN staging's canary at that weight  WHEN it is synthesized for the platform
    const json = synthStack(staging(weight, routing), { platform }) as unknown as { output: Record<string, { value: string }> };
    // THEN its output says the canary's share of requests as that routing makes it
    expect(json.output.gray_release_api.value).toBe(expected);
  });

  test("a service without a canary tag has none", () => {
    const dev = validateEnvironments(patchedSettings({})).find((candidate) => candidate.name === "dev");
    const json = synthStack(dev as NonNullable<typeof dev>) as unknown as { output: Record<string, unknown> };
    expect(Object.keys(json.output)).toEqual(["namespace"]);
  });

  test("the plan report lists a release step as the weight's change, before the stacks' details", () => {
    // GIVEN a plan whose only change is staging's release state, 5% → 25%
    const plan: PlanJson = {
      format_version: "1.2",
      resource_changes: [],
      output_changes: {
        gray_release_api: { actions: ["update"], before: "canary 0.2.0 at 5% of requests, stable 0.1.0", after: "canary 0.2.0 at 25% of requests, stable 0.1.0" },
        namespace: { actions: ["no-op"], before: "envapi-staging", after: "envapi-staging" },
      },
    };
    // WHEN the report is rendered
    const markdown = renderMarkdown(buildReport([{ stack: "staging", target: "kubernetes", protected: false, plan }]));
    // THEN the step is a line of its own under the summary table
    const line = '- <b>staging</b> <code>api</code>: <code>"canary 0.2.0 at 5% of requests, stable 0.1.0"</code> → <code>"canary 0.2.0 at 25% of requests, stable 0.1.0"</code>';
    expect(markdown).toContain(`**Release steps in this plan**\n\n${line}`);
    expect(markdown.indexOf("**Release steps in this plan**")).toBeGreaterThan(markdown.indexOf("| Stack |"));
  });
});
