// Containers an interrupted apply left behind. When Terraform is interrupted while the Docker provider is creating
// a container, the engine may finish creating it after the provider gave up, so the state never learns its ID and
// the next apply stops on `Conflict. The container name "/x" is already in use`. A container is an orphan when its
// name is one the stack creates, it carries every label the stack gives that container, and the stack's state does
// not hold its ID. Orphans of an unprotected environment are removed; for a protected one nothing is changed.
import * as fs from "fs";
import * as path from "path";
import { readStackFacts } from "../stacks/stack-facts";
import { requireBackendEnvironment } from "../terraform/backend-environment";
import { initializedWith } from "../terraform/backend-record";
import { capture, run } from "./_processes";

interface WantedContainer {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The containers the synthesized stack creates, with their labels. */
function wantedContainers(stackDir: string): WantedContainer[] {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as {
    resource?: { docker_container?: Record<string, { name: string; labels?: Array<{ label: string; value: string }> }> };
  };
  return Object.values(json.resource?.docker_container ?? {}).map((container) => ({
    name: container.name,
    labels: Object.fromEntries((container.labels ?? []).map(({ label, value }) => [label, value])),
  }));
}

function inspect(name: string): { Id: string; Config: { Labels?: Record<string, string> } } | undefined {
  try {
    const [found] = JSON.parse(capture("docker", ["container", "inspect", name], { env: process.env, quiet: true })) as Array<{ Id: string; Config: { Labels?: Record<string, string> } }>;
    return found;
  } catch {
    return undefined; // no container by that name
  }
}

/** What the sweep found and did. */
export interface OrphanSweep {
  /** Why nothing was checked, when nothing was. */
  readonly skipped?: string;
  /** Orphans found. */
  readonly orphans: readonly string[];
  /** True when they were removed (false for a protected environment). */
  readonly removed: boolean;
}

/** Finds (and, unless the environment is protected, removes) the orphans of the stack synthesized in `stackDir`. */
export function sweepOrphans(stackDir: string, terraform: string, env: NodeJS.ProcessEnv): OrphanSweep {
  const facts = readStackFacts(stackDir);
  const wanted = wantedContainers(stackDir);
  if (facts.platform !== "docker" || wanted.length === 0) return { skipped: `${facts.stack} creates no containers`, orphans: [], removed: false };
  // After a switch of target the folder may still be set up for the other target's state, where none of these
  // containers are, and every one would look orphaned.
  if (!initializedWith(stackDir, facts.backend)) return { skipped: `${stackDir} is not initialized for this stack's state`, orphans: [], removed: false };
  // A shared backend's state is read with the connection string or credentials of the environment.
  requireBackendEnvironment([facts], env);
  const state = JSON.parse(capture(terraform, ["state", "pull"], { cwd: stackDir, env }) || "{}") as {
    resources?: Array<{ type: string; instances: Array<{ attributes?: { id?: string } }> }>;
  };
  const known = new Set((state.resources ?? []).filter((resource) => resource.type === "docker_container").flatMap((resource) => resource.instances.map((instance) => instance.attributes?.id)));
  const orphans = wanted
    .filter(({ name, labels }) => {
      const found = inspect(name);
      if (!found || known.has(found.Id)) return false;
      return Object.entries(labels).every(([label, value]) => found.Config.Labels?.[label] === value);
    })
    .map(({ name }) => name);
  if (orphans.length === 0 || facts.protected) return { orphans, removed: false };
  run("docker", ["rm", "-f", ...orphans], { env });
  return { orphans, removed: true };
}
