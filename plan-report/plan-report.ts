// The whole report: every stack's summary plus the environment diff, and its JSON summary for machines
// (a CI step can gate on `protectedDestructive`). No timestamps: the same plans give the same report.
import { ReviewJson } from "./change-causes";
import { EnvironmentDiff } from "./environment-diff";
import { SecretMask, sensitiveValues } from "./secret-mask";
import { ChangeCounts, compareText, isDestructive, StackPlan, StackSummary, summarizeStack } from "./summarize";

/** A stack in the report: its summary and the name the report calls it by. */
export interface ReportStack extends StackSummary {
  /** The stack name, with the target when the stack is planned for more than one. */
  readonly label: string;
}

export interface PlanReport {
  /** Stack summaries, by stack name, then target. */
  readonly stacks: readonly ReportStack[];
  /** Settings that differ between the environment promoted from and the one promoted to. @default - no diff */
  readonly environmentDiff?: EnvironmentDiff;
  /** How the plans of a pull request were made (npm run plan:pr). @default - plain plans */
  readonly review?: ReviewJson;
}

/** The settings diff with its secret parts masked: a setting is data, and data can hold a pasted secret. */
function maskDiff(diff: EnvironmentDiff, mask: SecretMask): EnvironmentDiff {
  const differences = diff.differences.map((difference) => ({
    path: mask.text(difference.path),
    ...("from" in difference ? { from: mask.value(difference.from) } : {}),
    ...("to" in difference ? { to: mask.value(difference.to) } : {}),
  }));
  return { ...diff, differences };
}

/**
 * Summarizes every stack, sorted by name, then target (a stack may be planned for both platforms). Every
 * stack's sensitive variables and the given `secrets` (secret files' contents) are masked everywhere: one
 * stack's secret is masked in another's plan and in a failed stack's error too.
 */
export function buildReport(plans: readonly StackPlan[], environmentDiff?: EnvironmentDiff, secrets: readonly string[] = [], review?: ReviewJson): PlanReport {
  const mask = new SecretMask([...secrets, ...plans.flatMap((plan) => (plan.plan ? sensitiveValues(plan.plan) : []))]);
  const summaries = plans.map((plan) => summarizeStack(plan, mask)).sort((a, b) => compareText(a.stack, b.stack) || compareText(a.target, b.target));
  const planned = (name: string) => summaries.filter((summary) => summary.stack === name).length;
  const stacks = summaries.map((summary) => ({ ...summary, label: planned(summary.stack) > 1 ? `${summary.stack} (${summary.target})` : summary.stack }));
  return { stacks, ...(environmentDiff ? { environmentDiff: maskDiff(environmentDiff, mask) } : {}), ...(review ? { review } : {}) };
}

/** The JSON summary: counts and changed addresses per stack, never a value. */
export interface ReportSummaryJson {
  readonly stacks: ReadonlyArray<{
    readonly stack: string;
    readonly target: string;
    readonly protected: boolean;
    readonly status: StackSummary["status"];
    readonly counts: ChangeCounts;
    readonly resources: ReadonlyArray<{ readonly address: string; readonly kind: string; readonly reason?: string; readonly cause?: ResourceCauseSummaryJson }>;
  }>;
  readonly totals: ChangeCounts;
  /** Stacks that change (by label: "prod", or "prod (docker)" when planned for two targets). */
  readonly changed: readonly string[];
  /** Stacks whose plan failed. */
  readonly failed: readonly string[];
  /** Something would be destroyed or replaced somewhere. */
  readonly destructive: boolean;
  /** Something would be destroyed or replaced in a protected environment. */
  readonly protectedDestructive: boolean;
  readonly environmentDiff?: { readonly from: string; readonly to: string; readonly paths: readonly string[] };
  readonly review?: ReviewJson;
}

/** A resource's cause in the JSON summary: settings paths, never their values. */
export interface ResourceCauseSummaryJson {
  readonly constructPath?: string;
  readonly settings: readonly string[];
  readonly code: boolean;
  readonly origins: readonly string[];
}

export function reportSummaryJson(report: PlanReport): ReportSummaryJson {
  const sum = (key: keyof ChangeCounts) => report.stacks.reduce((total, stack) => total + stack.counts[key], 0);
  return {
    stacks: report.stacks.map((stack) => ({
      stack: stack.stack,
      target: stack.target,
      protected: stack.protected,
      status: stack.status,
      counts: stack.counts,
      resources: stack.resources.map((resource) => ({
        address: resource.address,
        kind: resource.kind,
        ...(resource.reason ? { reason: resource.reason } : {}),
        ...(resource.cause
          ? {
              cause: {
                ...(resource.cause.constructPath ? { constructPath: resource.cause.constructPath } : {}),
                settings: resource.cause.settings.map((setting) => setting.path),
                code: resource.cause.code,
                origins: resource.cause.origins,
              },
            }
          : {}),
      })),
    })),
    totals: { add: sum("add"), change: sum("change"), replace: sum("replace"), destroy: sum("destroy") },
    changed: report.stacks.filter((stack) => stack.status === "changes").map((stack) => stack.label),
    failed: report.stacks.filter((stack) => stack.status === "failed").map((stack) => stack.label),
    destructive: report.stacks.some(isDestructive),
    protectedDestructive: report.stacks.some((stack) => stack.protected && isDestructive(stack)),
    ...(report.environmentDiff
      ? {
          environmentDiff: {
            from: report.environmentDiff.from,
            to: report.environmentDiff.to,
            paths: report.environmentDiff.differences.map((difference) => difference.path),
          },
        }
      : {}),
    ...(report.review ? { review: report.review } : {}),
  };
}
