// The parts of `terraform show -json <planfile>` (format 1.x, Terraform and OpenTofu alike) the report reads.
// Values are JSON; `*_sensitive` and `after_unknown` mirror a value's shape with `true` at masked or unknown parts.

/** A JSON value as it appears in a plan. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One action of a resource change, as Terraform writes it. */
export type PlanAction = "no-op" | "create" | "read" | "update" | "delete" | "forget";

/** `change` of a resource or output change. */
export interface PlanChange {
  /** ["create"], ["update"], ["delete"], ["delete","create"] or ["create","delete"] (a replacement), ["no-op"], ... */
  readonly actions: readonly PlanAction[];
  /** Value before the change; null when the object does not exist yet. */
  readonly before?: JsonValue;
  /** Value after the change, with unknown parts left out; null when the object is deleted. */
  readonly after?: JsonValue;
  /** `true` (or a structure with `true` leaves) where the after value is known only after apply. */
  readonly after_unknown?: JsonValue;
  /** `true` (or a structure with `true` leaves) where the before value is sensitive. */
  readonly before_sensitive?: JsonValue;
  /** `true` (or a structure with `true` leaves) where the after value is sensitive. */
  readonly after_sensitive?: JsonValue;
  /** Attribute paths whose change forces the replacement. */
  readonly replace_paths?: ReadonlyArray<ReadonlyArray<string | number>>;
}

/** One entry of `resource_changes`. */
export interface PlanResourceChange {
  /** Full address, e.g. `kubernetes_config_map_v1.kubernetes-environment_api_config_1A2B3C4D`. */
  readonly address: string;
  /** Address in the prior state, when a `moved` block renamed the resource. */
  readonly previous_address?: string;
  /** "managed" or "data". */
  readonly mode: string;
  /** Resource type, e.g. `kubernetes_deployment_v1`. */
  readonly type: string;
  /** Why Terraform chose this action, e.g. `replace_because_cannot_update`. */
  readonly action_reason?: string;
  readonly change: PlanChange;
}

/** A root module variable of the configuration. */
export interface PlanVariableConfig {
  readonly sensitive?: boolean;
}

/** The plan document. */
export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version?: string;
  /** Values of the root module's variables (sensitive ones included: never print them). */
  readonly variables?: { readonly [name: string]: { readonly value?: JsonValue } };
  readonly resource_changes?: readonly PlanResourceChange[];
  /** Objects the refresh found changed outside Terraform, as changes from the state to the real object. */
  readonly resource_drift?: readonly PlanResourceChange[];
  readonly output_changes?: { readonly [name: string]: PlanChange };
  readonly configuration?: {
    readonly provider_config?: { readonly [key: string]: { readonly name?: string; readonly full_name?: string } };
    readonly root_module?: { readonly variables?: { readonly [name: string]: PlanVariableConfig } };
  };
  /** False when the plan could not be applied as is (e.g. it was made with errors). */
  readonly applyable?: boolean;
  readonly errored?: boolean;
}

/** A plan or its companion files cannot be read: the message names the file. */
export class PlanInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanInputError";
  }
}

/** Checks the few fields every plan has, so a wrong file fails with its name rather than deep in the report. */
export function parsePlanJson(text: string, source: string): PlanJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(`${source}: is not JSON (${(error as Error).message})`);
  }
  const plan = value as Partial<PlanJson> | null;
  if (plan === null || typeof plan !== "object" || typeof plan.format_version !== "string") {
    throw new PlanInputError(`${source}: is not a plan from "terraform show -json <planfile>" (no format_version)`);
  }
  if (!plan.format_version.startsWith("1.")) {
    throw new PlanInputError(`${source}: plan format ${plan.format_version} is not supported (expected 1.x)`);
  }
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) {
    throw new PlanInputError(`${source}: resource_changes is not a list`);
  }
  if (plan.resource_drift !== undefined && !Array.isArray(plan.resource_drift)) {
    throw new PlanInputError(`${source}: resource_drift is not a list`);
  }
  return plan as PlanJson;
}
