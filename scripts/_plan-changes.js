#!/usr/bin/env node
// Summarises a Terraform plan for scripts/e2e-kubernetes.sh: reads `terraform show -json PLAN` on stdin and
// prints one line per resource change, sorted, without values (a plan holds secrets in clear):
//   <action> <resource type> <object name> [attribute paths whose planned value changes]
// Attributes the provider computes after apply (unknown in the plan) are left out: they are not a change
// the configuration asked for. With --planned it prints instead every object the plan leaves in place:
//   <resource type> <object name> [replicas=<n>]
const plan = JSON.parse(require("fs").readFileSync(0, "utf8"));

const isObject = (value) => value !== null && typeof value === "object";
const isEmpty = (value) => value === undefined || value === null || (isObject(value) && Object.keys(value).length === 0);

function changedPaths(before, after, unknown, path, out) {
  if (unknown === true) return out;
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      changedPaths(before[key], after[key], isObject(unknown) ? unknown[key] : undefined, path.concat(key), out);
    }
  } else if (!(isEmpty(before) && isEmpty(after)) && JSON.stringify(before) !== JSON.stringify(after)) {
    out.push(path.join("."));
  }
  return out;
}

function objectName(values) {
  const metadata = values && Array.isArray(values.metadata) ? values.metadata[0] : undefined;
  return (metadata && metadata.name) || "-";
}

function changes() {
  return (plan.resource_changes || []).flatMap((change) => {
    const { actions, before, after, after_unknown: unknown } = change.change;
    if (actions.length === 1 && (actions[0] === "no-op" || actions[0] === "read")) return [];
    const action = actions.length === 2 ? "replace" : actions[0];
    const name = objectName(after) !== "-" ? objectName(after) : objectName(before);
    const paths = action === "update" ? changedPaths(before, after, unknown, [], []) : [];
    return [[action, change.type, name, ...paths].join(" ")];
  });
}

function planned() {
  const resources = [];
  const visit = (module) => {
    resources.push(...(module.resources || []));
    for (const child of module.child_modules || []) visit(child);
  };
  visit((plan.planned_values || {}).root_module || {});
  return resources.map((resource) => {
    const spec = Array.isArray(resource.values.spec) ? resource.values.spec[0] : undefined;
    const replicas = resource.type === "kubernetes_deployment_v1" && spec ? ` replicas=${spec.replicas}` : "";
    return `${resource.type} ${objectName(resource.values)}${replicas}`;
  });
}

const lines = process.argv.includes("--planned") ? planned() : changes();
process.stdout.write(lines.sort().map((line) => `${line}\n`).join(""));
