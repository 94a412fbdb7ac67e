// Turns one stack's plan into what the report shows: counts per action, the changed resources with their
// changed attributes, and the plan text. Secret values are masked here (SecretMask), so nothing downstream
// (Markdown, JSON summary) can print them even where a provider forgot to mark an attribute.
import { AttributeChange, attributeChanges, ShownValue } from "./attribute-diff";
import { ResourceCauseJson, SettingCause, StackCausesJson } from "./change-causes";
import { JsonValue, PlanChange, PlanJson, PlanResourceChange } from "./plan-json";
import { SecretMask, sensitiveValues } from "./secret-mask";

/** One stack's plan as read from disk. */
export interface StackPlan {
  /** Stack (environment) name. */
  readonly stack: string;
  /** Platform the stack deploys to, e.g. "kubernetes". */
  readonly target: string;
  /** Folder of the stack's plan files, as the report names it. @default - the stack name */
  readonly folder?: string;
  /** The environment is protected (`protected: true` in its settings). */
  readonly protected: boolean;
  /** `terraform show -json` of the plan; absent when planning failed. */
  readonly plan?: PlanJson;
  /** `terraform show -no-color` of the plan. @default - no plan text in the report */
  readonly planText?: string;
  /** Why there is no plan (the failed command's output). @default - the plan succeeded */
  readonly error?: string;
  /** Why each resource changes (npm run plan:pr). @default - not traced */
  readonly causes?: StackCausesJson;
}

/** How a resource changes, one word per row of the report. */
export type ChangeKind = "delete" | "replace" | "update" | "create" | "read" | "move" | "forget";

/** One resource that changes. */
export interface ResourceChangeSummary {
  readonly address: string;
  /** Address in the prior state, when the resource was moved. */
  readonly previousAddress?: string;
  readonly type: string;
  readonly kind: ChangeKind;
  /** Terraform's reason, e.g. `replace_because_cannot_update`. */
  readonly reason?: string;
  /** Changed attributes of an update, replacement or creation (a deletion loses them all; the plan text lists them). */
  readonly attributes: readonly AttributeChange[];
  /** Why it changes, secrets masked. @default - not traced */
  readonly cause?: ResourceCauseJson;
}

/** One output whose value changes. */
export interface OutputChangeSummary {
  readonly name: string;
  readonly kind: ChangeKind;
  readonly before: ShownValue;
  readonly after: ShownValue;
}

/** Counts as in the header table; a replacement counts once, as a replacement. */
export interface ChangeCounts {
  readonly add: number;
  readonly change: number;
  readonly replace: number;
  readonly destroy: number;
}

export interface StackSummary {
  readonly stack: string;
  readonly target: string;
  /** Folder of the plan files. */
  readonly folder: string;
  readonly protected: boolean;
  readonly status: "changes" | "no-changes" | "failed";
  readonly counts: ChangeCounts;
  /** Changed resources, most destructive first, then by address. */
  readonly resources: readonly ResourceChangeSummary[];
  readonly outputs: readonly OutputChangeSummary[];
  /** Plan text, secrets masked. */
  readonly planText?: string;
  /** Why planning failed, secrets masked. */
  readonly error?: string;
  readonly terraformVersion?: string;
  /** What the cause tracing found beyond the resources, secrets masked. @default - not traced */
  readonly trace?: Omit<StackCausesJson, "resources">;
}

/** Order of the kinds in lists: what a reviewer must not miss comes first. */
export const CHANGE_KIND_ORDER: readonly ChangeKind[] = ["delete", "replace", "update", "create", "move", "forget", "read"];

/** The kind of a change; null for a no-op that is not a move. */
export function changeKind(change: Pick<PlanResourceChange, "change" | "previous_address" | "address">): ChangeKind | null {
  const actions = change.change.actions.join(",");
  switch (actions) {
    case "create":
      return "create";
    case "update":
      return "update";
    case "delete":
      return "delete";
    case "delete,create":
    case "create,delete":
      return "replace";
    case "read":
      return "read";
    case "forget":
      return "forget";
    default:
      return change.previous_address !== undefined && change.previous_address !== change.address ? "move" : null;
  }
}

function maskSetting(setting: SettingCause, mask: SecretMask): SettingCause {
  return {
    path: mask.text(setting.path),
    file: mask.text(setting.file),
    ...("from" in setting ? { from: mask.value(setting.from) } : {}),
    ...("to" in setting ? { to: mask.value(setting.to) } : {}),
  };
}

function maskCause(cause: ResourceCauseJson, mask: SecretMask): ResourceCauseJson {
  return { ...cause, ...(cause.constructPath ? { constructPath: mask.text(cause.constructPath) } : {}), settings: cause.settings.map((setting) => maskSetting(setting, mask)) };
}

function summarizeResource(change: PlanResourceChange, kind: ChangeKind, mask: SecretMask, cause?: ResourceCauseJson): ResourceChangeSummary {
  const attributes =
    kind === "update" || kind === "replace" || kind === "create"
      ? attributeChanges(change.change).map((row) => ({ ...row, path: mask.text(row.path), before: mask.shown(row.before), after: mask.shown(row.after) }))
      : [];
  return {
    address: mask.text(change.address),
    ...(kind === "move" && change.previous_address !== undefined ? { previousAddress: mask.text(change.previous_address) } : {}),
    type: change.type,
    kind,
    ...(change.action_reason ? { reason: change.action_reason } : {}),
    attributes,
    ...(cause ? { cause: maskCause(cause, mask) } : {}),
  };
}

function outputChange(name: string, change: PlanChange, mask: SecretMask): OutputChangeSummary | null {
  const kind = changeKind({ address: name, change });
  if (kind === null) return null;
  const [row] = attributeChanges(change);
  const side = (value: JsonValue | undefined, sensitive: JsonValue | undefined): ShownValue =>
    value === null || value === undefined ? { kind: "absent" } : sensitive === true ? { kind: "sensitive" } : { kind: "value", value };
  const before = row?.before ?? side(change.before, change.before_sensitive);
  const after = row?.after ?? (change.after_unknown === true ? { kind: "unknown" } : side(change.after, change.after_sensitive));
  return { name: mask.text(name), kind, before: mask.shown(before), after: mask.shown(after) };
}

const byKindThenAddress = (a: ResourceChangeSummary, b: ResourceChangeSummary): number =>
  CHANGE_KIND_ORDER.indexOf(a.kind) - CHANGE_KIND_ORDER.indexOf(b.kind) || compareText(a.address, b.address);

/** Locale-independent string order, so the report is the same on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Counts, changed resources and outputs of one stack's plan, with every secret masked.
 * @param mask what to mask (default: the values of the plan's sensitive variables)
 */
export function summarizeStack(input: StackPlan, mask = new SecretMask(input.plan ? sensitiveValues(input.plan) : [])): StackSummary {
  const base = { stack: input.stack, target: input.target, folder: input.folder ?? input.stack, protected: input.protected };
  const planText = input.planText === undefined ? undefined : mask.text(input.planText);
  if (!input.plan) {
    return {
      ...base,
      status: "failed",
      counts: { add: 0, change: 0, replace: 0, destroy: 0 },
      resources: [],
      outputs: [],
      ...(planText !== undefined ? { planText } : {}),
      error: mask.text(input.error ?? "no plan"),
    };
  }
  const resources = (input.plan.resource_changes ?? [])
    .map((change) => ({ change, kind: changeKind(change) }))
    .filter((entry): entry is { change: PlanResourceChange; kind: ChangeKind } => entry.kind !== null)
    .map(({ change, kind }) => summarizeResource(change, kind, mask, input.causes?.resources[change.address]))
    .sort(byKindThenAddress);
  const outputs = Object.keys(input.plan.output_changes ?? {})
    .sort(compareText)
    .map((name) => outputChange(name, (input.plan?.output_changes ?? {})[name], mask))
    .filter((entry): entry is OutputChangeSummary => entry !== null);
  const count = (kind: ChangeKind) => resources.filter((resource) => resource.kind === kind).length;
  const counts = { add: count("create"), change: count("update"), replace: count("replace"), destroy: count("delete") };
  return {
    ...base,
    // Data sources read during the plan change nothing.
    status: resources.every((resource) => resource.kind === "read") && outputs.length === 0 ? "no-changes" : "changes",
    counts,
    resources,
    outputs,
    ...(planText !== undefined ? { planText } : {}),
    ...(input.plan.terraform_version ? { terraformVersion: input.plan.terraform_version } : {}),
    ...(input.causes ? { trace: traceSummary(input.causes, mask) } : {}),
  };
}

function traceSummary(causes: StackCausesJson, mask: SecretMask): Omit<StackCausesJson, "resources"> {
  return {
    newEnvironment: causes.newEnvironment,
    settingChanges: causes.settingChanges.map((setting) => maskSetting(setting, mask)),
    drift: causes.drift.map((entry) => ({ address: mask.text(entry.address), attributes: entry.attributes.map((attribute) => mask.text(attribute)) })),
    notes: causes.notes.map((note) => mask.text(note)),
  };
}

/** The stack would lose or recreate something. */
export function isDestructive(summary: StackSummary): boolean {
  return summary.counts.destroy > 0 || summary.counts.replace > 0;
}
