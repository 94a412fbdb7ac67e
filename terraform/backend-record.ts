// The stack folder's record of the backend `terraform init` last used (`.terraform/terraform.tfstate`). Each
// target keeps its own state, so after a switch of target the record names the other target's state and
// `terraform init` would stop on "Backend configuration changed".
import * as fs from "fs";
import * as path from "path";
import { BackendConfig } from "../settings";

function recordedBackend(file: string): { type?: unknown; config?: Record<string, unknown> } | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { backend?: { type?: unknown; config?: Record<string, unknown> } }).backend;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`${file}: cannot be read as Terraform's backend record (${(error as Error).message})`, { cause: error });
  }
}

/** True when `recorded` has the type of `backend` and the same value for each setting `backend` gives. */
function isBackend(recorded: { type?: unknown; config?: Record<string, unknown> }, backend: BackendConfig): boolean {
  return recorded.type === backend.type && Object.entries(backend.config).every(([key, value]) => recorded.config?.[key] === value);
}

/** True when `stackDir` was last initialized with `backend` (its state is the one `terraform state pull` reads). */
export function initializedWith(stackDir: string, backend: BackendConfig): boolean {
  const recorded = recordedBackend(path.join(stackDir, ".terraform", "terraform.tfstate"));
  return recorded !== undefined && isBackend(recorded, backend);
}

/**
 * Deletes the backend record in `stackDir` when it is one of `otherTargets` (the same environment's backend on
 * another target) and not `current`. The record only says which state was used; no state is touched. Any other
 * change of backend (local to s3, say) is left alone, for `terraform init -migrate-state` to handle as usual.
 * Returns the backend it forgot, if any.
 */
export function forgetOtherTargetBackend(stackDir: string, current: BackendConfig, otherTargets: readonly BackendConfig[]): BackendConfig | undefined {
  const file = path.join(stackDir, ".terraform", "terraform.tfstate");
  const recorded = recordedBackend(file);
  if (recorded === undefined || isBackend(recorded, current)) return undefined;
  const match = otherTargets.find((target) => isBackend(recorded, target));
  if (match) fs.rmSync(file);
  return match;
}
