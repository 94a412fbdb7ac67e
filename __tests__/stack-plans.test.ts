// Assertions on REAL plans of every stack (`terraform show -json`), made by `node scripts/cli.js plan` (cli/plan-stacks.ts) in the
// test run (scripts/test.sh sets PLANS_DIR). Without PLANS_DIR, e.g. in `npm run test:unit`, this is skipped.
import * as fs from "fs";
import * as path from "path";
import { realSpecs } from "./_helpers";

const plansDir = process.env.PLANS_DIR;
const describeWithPlans = plansDir ? describe : describe.skip;

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: string[]; readonly after: Record<string, any>; readonly after_sensitive: Record<string, any> | boolean };
}

const readPlan = (stack: string): { resource_changes: ResourceChange[]; variables?: Record<string, unknown> } =>
  JSON.parse(fs.readFileSync(path.join(plansDir as string, stack, "plan.json"), "utf8"));

const countByType = (changes: readonly ResourceChange[]) =>
  changes.reduce<Record<string, number>>((counts, change) => ({ ...counts, [change.type]: (counts[change.type] ?? 0) + 1 }), {});

const COMMON = {
  kubernetes_namespace_v1: 1,
  kubernetes_resource_quota_v1: 1,
  kubernetes_limit_range_v1: 1,
  kubernetes_network_policy_v1: 7, // ingress: deny, same namespace, controller; egress: deny, DNS, same namespace, controller
  kubernetes_config_map_v1: 1,
  kubernetes_secret_v1: 1,
  kubernetes_deployment_v1: 1,
  kubernetes_service_v1: 1,
  kubernetes_manifest: 1, // the HTTPRoute on the cluster's Gateway
};

describeWithPlans("real plans of every stack (fresh state)", () => {
  const specs = realSpecs();

  test.each([
    ["dev", { ...COMMON }],
    // staging's canary tag: the canary's own Deployment and Service, at weight 0 (behind the Gateway)
    ["staging", { ...COMMON, kubernetes_deployment_v1: 2, kubernetes_service_v1: 2, kubernetes_horizontal_pod_autoscaler_v2: 1, kubernetes_pod_disruption_budget_v1: 1 }],
    ["prod", { ...COMMON, kubernetes_horizontal_pod_autoscaler_v2: 1, kubernetes_pod_disruption_budget_v1: 1 }],
  ])("%s creates exactly its resources", (stack, expected) => {
    // GIVEN the real plan of the stack against empty state
    const changes = readPlan(stack).resource_changes;
    // THEN every change is a create, and the resources per type are as designed
    expect(changes.every((change) => change.change.actions.join() === "create")).toBe(true);
    expect(countByType(changes)).toEqual(expected);
  });

  test.each(["dev", "staging", "prod"])("%s: key attributes as the settings say", (stack) => {
    const spec = specs.find((candidate) => candidate.name === stack)!;
    const changes = readPlan(stack).resource_changes;
    const after = (type: string) => changes.find((change) => change.type === type)!.change.after;
    // THEN the namespace, replicas, image, host and config come from the layered settings
    expect(after("kubernetes_namespace_v1").metadata[0].name).toBe(spec.namespace);
    expect(after("kubernetes_namespace_v1").metadata[0].labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const deployment = changes.find((change) => change.type === "kubernetes_deployment_v1" && change.change.after.metadata[0].name === spec.services[0].name)!.change.after;
    expect(deployment.spec[0].replicas).toBe(String(spec.services[0].replicas));
    expect(deployment.spec[0].template[0].spec[0].container[0].image).toBe(`envapi:${spec.services[0].image.tag}`);
    expect(after("kubernetes_manifest").manifest.spec.hostnames).toEqual([spec.services[0].ingress!.host]);
    expect(after("kubernetes_config_map_v1").data).toMatchObject({ APP_ENV: stack, GREETING: spec.services[0].config.GREETING });
    // AND the secret's data is sensitive in the plan
    const secret = changes.find((change) => change.type === "kubernetes_secret_v1")!;
    expect(secret.change.after_sensitive).toMatchObject({ data: true });
  });
});
