#!/usr/bin/env node
// Removes the containers an interrupted apply left behind. When Terraform is interrupted while the Docker
// provider is creating a container, the engine may finish creating it after the provider gave up, so the state
// never learns its ID and the next apply stops on `Conflict. The container name "/x" is already in use`.
//   node scripts/docker-orphans.js <synthesized cdk.tf.json> <initialized stack folder>
// A container is an orphan when its name is one the stack creates, it carries every label the stack gives that
// container, and the stack's state does not hold its ID. Orphans of an unprotected environment are removed; for
// a protected one the command to remove them is printed and nothing is changed (exit 1).
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const log = (message) => process.stderr.write(`[orphans] ${message}\n`);
const [stackJson, stackDir] = process.argv.slice(2);
if (!stackJson || !stackDir) {
  log("usage: node scripts/docker-orphans.js <cdk.tf.json> <stack folder>");
  process.exit(2);
}

const stack = JSON.parse(fs.readFileSync(stackJson, "utf8"));
const wanted = Object.values(stack.resource?.docker_container ?? {}).map((container) => ({
  name: container.name,
  labels: Object.fromEntries((container.labels ?? []).map(({ label, value }) => [label, value])),
}));
if (wanted.length === 0) process.exit(0);

// The state read must be this stack's: after a switch of target the folder may still be set up for the other
// target's state, where none of these containers are, and every one would look orphaned.
const recordFile = path.join(stackDir, ".terraform", "terraform.tfstate");
const recorded = fs.existsSync(recordFile) ? JSON.parse(fs.readFileSync(recordFile, "utf8")).backend : undefined;
const [backendType, backendConfig] = Object.entries(stack.terraform?.backend ?? {})[0] ?? [];
const sameBackend =
  recorded !== undefined &&
  recorded.type === backendType &&
  Object.entries(backendConfig ?? {}).every(([key, value]) => recorded.config?.[key] === value);
if (!sameBackend) {
  log(`${stackDir} is not initialized for this stack's state: nothing checked`);
  process.exit(0);
}

const terraform = process.env.TERRAFORM_BINARY_NAME || "terraform";
const state = JSON.parse(execFileSync(terraform, ["state", "pull"], { cwd: stackDir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }) || "{}");
const known = new Set(
  (state.resources ?? [])
    .filter((resource) => resource.type === "docker_container")
    .flatMap((resource) => resource.instances.map((instance) => instance.attributes?.id)),
);

function inspect(name) {
  try {
    const [found] = JSON.parse(execFileSync("docker", ["container", "inspect", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    return found;
  } catch {
    return undefined; // no container by that name
  }
}

const orphans = wanted.filter(({ name, labels }) => {
  const found = inspect(name);
  if (!found || known.has(found.Id)) return false;
  return Object.entries(labels).every(([label, value]) => found.Config.Labels?.[label] === value);
});
if (orphans.length === 0) process.exit(0);

const names = orphans.map(({ name }) => name);
const isProtected = JSON.stringify(stack.resource).includes('"prevent_destroy":true');
if (isProtected) {
  log(`containers not in the state of a protected environment: ${names.join(", ")}`);
  log(`the next apply would stop on their names; check them, then: docker rm -f ${names.join(" ")}`);
  process.exit(1);
}
execFileSync("docker", ["rm", "-f", ...names], { stdio: ["ignore", "ignore", "inherit"] });
log(`removed containers an interrupted apply created but never recorded: ${names.join(", ")}`);
