// Renders a PlanReport as one GitHub comment: the counts of every stack, loud warnings for destruction,
// the staging → prod settings diff, then per stack the changed attributes and the plan text, collapsed.
// The whole comment stays under GitHub's 65,536-character limit: the header is never cut; resource lists
// and plan texts share what is left and are cut per stack with a note.
import { RELEASE_OUTPUT_PREFIX } from "../model/gray-release";
import { shareBudget } from "./_budget";
import { code, details, escapeHtml, fencedBlock, stripAnsi, table } from "./_markdown";
import { AttributeChange, ShownValue } from "./attribute-diff";
import { ResourceCauseJson, ReviewJson, SettingCause } from "./change-causes";
import { EnvironmentDiff } from "./environment-diff";
import { PlanReport, ReportStack } from "./plan-report";
import { ChangeKind, isDestructive, ResourceChangeSummary } from "./summarize";

/** The hidden marker a CI step finds the comment by, to update it instead of adding another. */
export const REPORT_MARKER = "<!-- plan-report -->";

/** GitHub refuses comments longer than 65,536 characters; keep a margin for what a CI step may add. */
export const DEFAULT_MAX_CHARS = 65_000;

export interface RenderOptions {
  /** Most characters of the whole comment. @default DEFAULT_MAX_CHARS */
  readonly maxChars?: number;
  /** Link to the CI run that holds the full plans (artifacts). @default - no link */
  readonly runUrl?: string;
  /** Most attribute rows shown per resource. @default 40 */
  readonly maxAttributesPerResource?: number;
  /** Most rows of the environment diff. @default 100 */
  readonly maxSettingRows?: number;
}

/** Terraform's symbol and a word; in code, so a leading "+" or "-" is not taken for a list marker. */
const KIND_LABEL: Record<ChangeKind, string> = {
  delete: "<code>-</code> <b>destroy</b>",
  replace: "<code>-/+</code> <b>replace</b>",
  update: "<code>~</code> update",
  create: "<code>+</code> create",
  read: "<code>&lt;=</code> read",
  move: "<code>→</code> move",
  forget: "<code>#</code> forget (left in place, dropped from state)",
};

const VALUE_CHARS = 120;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One side of a change as a table cell; sensitive and unknown values are words, never values. */
export function formatShown(value: ShownValue): string {
  switch (value.kind) {
    case "sensitive":
      return "<i>(sensitive)</i>";
    case "unknown":
      return "<i>(known after apply)</i>";
    case "absent":
      return "<i>(none)</i>";
    case "value":
      return code(truncate(JSON.stringify(value.value), VALUE_CHARS));
  }
}

const setting = (present: boolean, value: unknown): string =>
  present ? code(truncate(JSON.stringify(value) ?? "null", VALUE_CHARS)) : "<i>(not set)</i>";

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function countsText(stack: ReportStack): string {
  const { add, change, replace, destroy } = stack.counts;
  return `${add} to add, ${change} to change, ${replace} to replace, ${destroy} to destroy`;
}

function stackLabel(stack: ReportStack): string {
  return `<b>${escapeHtml(stack.stack)}</b>${stack.protected ? " (protected)" : ""}`;
}

function resultCell(stack: ReportStack): string {
  if (stack.status === "failed") return "<b>plan failed</b>";
  if (stack.status === "no-changes") return "no changes";
  if (isDestructive(stack)) return stack.protected ? "<b>destroys in a protected environment</b>" : "<b>destroys</b>";
  return "changes";
}

function summaryTable(report: PlanReport): string {
  return table(
    ["Stack", "Target", "Add", "Change", "Replace", "Destroy", "Result"],
    report.stacks.map((stack) => [
      stackLabel(stack),
      escapeHtml(stack.target),
      String(stack.counts.add),
      String(stack.counts.change),
      String(stack.counts.replace),
      String(stack.counts.destroy),
      resultCell(stack),
    ]),
    ["left", "left", "right", "right", "right", "right", "left"],
  );
}

const MAX_WARNED_ADDRESSES = 10;

function destroyedList(stack: ReportStack): string[] {
  const lost = stack.resources.filter((resource) => resource.kind === "delete" || resource.kind === "replace");
  const lines = lost.slice(0, MAX_WARNED_ADDRESSES).map((resource) => {
    const forcedBy = resource.attributes.filter((row) => row.forcesReplacement).map((row) => row.path);
    const why = forcedBy.length > 0 ? ` (forced by ${forcedBy.slice(0, 3).map(code).join(", ")}${forcedBy.length > 3 ? ", …" : ""})` : "";
    const cause = resource.cause ? ` · ${causeText(resource.cause)}` : "";
    return `> - ${resource.kind === "delete" ? "destroy" : "replace"} ${code(resource.address)}${why}${cause}`;
  });
  if (lost.length > MAX_WARNED_ADDRESSES) lines.push(`> - … and ${lost.length - MAX_WARNED_ADDRESSES} more`);
  return lines;
}

/** Alerts: a CAUTION per protected environment that loses something, a WARNING for the others and failures. */
function warnings(report: PlanReport): string[] {
  const blocks: string[] = [];
  for (const stack of report.stacks.filter((candidate) => candidate.protected && isDestructive(candidate))) {
    blocks.push(
      [
        "> [!CAUTION]",
        `> **Protected environment ${escapeHtml(stack.label)}: this plan destroys or replaces ${plural(stack.counts.destroy + stack.counts.replace, "resource")}.**`,
        "> Deleted objects and their data are gone; replaced ones are recreated (downtime). Approve the deploy only if that is intended.",
        ">",
        ...destroyedList(stack),
      ].join("\n"),
    );
  }
  const others = report.stacks.filter((stack) => !stack.protected && isDestructive(stack));
  if (others.length > 0) {
    blocks.push(
      [
        "> [!WARNING]",
        `> This plan destroys or replaces resources in ${others.map((stack) => `**${escapeHtml(stack.label)}**`).join(", ")}.`,
        ">",
        ...others.flatMap((stack) => destroyedList(stack).map((line) => line.replace("> - ", `> - ${escapeHtml(stack.label)}: `))),
      ].join("\n"),
    );
  }
  const failed = report.stacks.filter((stack) => stack.status === "failed");
  if (failed.length > 0) {
    blocks.push(
      [
        "> [!WARNING]",
        `> Planning failed for ${failed.map((stack) => `**${escapeHtml(stack.label)}**`).join(", ")}: the table has no counts for ${failed.length === 1 ? "it" : "them"}.`,
      ].join("\n"),
    );
  }
  return blocks;
}

function environmentDiffSection(diff: EnvironmentDiff, maxRows: number): string {
  const heading = `### Promotion ${escapeHtml(diff.from)} → ${escapeHtml(diff.to)}`;
  if (diff.differences.length === 0) {
    return `${heading}\n\nThe layered settings of ${escapeHtml(diff.from)} and ${escapeHtml(diff.to)} are the same.`;
  }
  const shown = diff.differences.slice(0, maxRows);
  const rows = shown.map((difference) => [
    code(difference.path),
    setting("from" in difference, difference.from),
    setting("to" in difference, difference.to),
  ]);
  const more = diff.differences.length > shown.length ? `\n\n… and ${diff.differences.length - shown.length} more settings.` : "";
  const body = table(["Setting", escapeHtml(diff.from), escapeHtml(diff.to)], rows) + more;
  const summary = `${plural(diff.differences.length, "setting")} differ between ${escapeHtml(diff.from)} and ${escapeHtml(diff.to)} after layering`;
  return `${heading}\n\n${details(summary, body)}`;
}

const ORIGIN_TEXT: Record<ResourceCauseJson["origins"][number], string> = {
  "pull-request": "this pull request",
  base: "the base branch (merged, not yet deployed)",
  drift: "<b>drift</b> (changed outside Terraform)",
  target: "the target only (no configuration change)",
};

const settingChangeText = (change: SettingCause) =>
  `${code(change.path)} ${setting("from" in change, change.from)} → ${setting("to" in change, change.to)} (${code(change.file)})`;

/** Where a change comes from and why: its construct, the settings keys (file, old and new value) or the code. */
function causeText(cause: ResourceCauseJson): string {
  const why = [
    ...cause.settings.map((change) => `settings ${settingChangeText(change)}`),
    ...(cause.settingsTogether ? ["the settings changes together (no single one explains it)"] : []),
    ...(cause.code ? [cause.settings.length === 0 && !cause.settingsTogether ? "code (no settings change explains it)" : "code"] : []),
  ];
  const origins = cause.origins.length === 1 && cause.origins[0] === "pull-request" ? [] : cause.origins;
  if (why.length === 0 && origins.length === 0) why.push("none in the configuration (the target differs from the state)");
  const parts = [
    ...(origins.length > 0 ? [`from ${origins.map((origin) => ORIGIN_TEXT[origin]).join(" and ")}`] : []),
    ...(cause.constructPath ? [`construct ${code(cause.constructPath)}`] : []),
    ...(why.length > 0 ? [`cause: ${why.join("; ")}`] : []),
  ];
  return parts.join(" · ");
}

function resourceBlock(resource: ResourceChangeSummary, maxRows: number): string {
  const moved = resource.previousAddress ? ` (from ${code(resource.previousAddress)})` : "";
  const reason = resource.reason ? ` <i>${escapeHtml(resource.reason.replace(/_/g, " "))}</i>` : "";
  const cause = resource.cause ? `<br>\n  ${causeText(resource.cause)}` : "";
  const title = `- ${KIND_LABEL[resource.kind]} ${code(resource.address)}${moved}${reason}${cause}`;
  if (resource.attributes.length === 0) return title;
  const path = (row: AttributeChange) => `${code(row.path)}${row.forcesReplacement ? " <b>forces replacement</b>" : ""}`;
  const shown = resource.attributes.slice(0, maxRows);
  const more = resource.attributes.length > maxRows ? `\n\n… and ${resource.attributes.length - maxRows} more attributes.` : "";
  // A new object has no "before": one value column says it all.
  const body =
    resource.kind === "create"
      ? table(["Attribute", "Value"], shown.map((row) => [path(row), formatShown(row.after)]))
      : table(["Attribute", "Before", "After"], shown.map((row) => [path(row), formatShown(row.before), formatShown(row.after)]));
  return `${title}\n\n${body}${more}`;
}

const fullPlanHint = (stack: ReportStack, runUrl?: string) =>
  `the whole plan is ${code(`${stack.folder}/plan.txt`)} of the plans${runUrl ? ` of [this run](${runUrl})` : ""}`;

/** The stack's changed resources, cut at a resource boundary to fit `budget` characters. */
function resourcesBody(stack: ReportStack, options: Required<Omit<RenderOptions, "runUrl">> & RenderOptions, budget: number): string {
  const blocks = stack.resources.map((resource) => resourceBlock(resource, options.maxAttributesPerResource));
  const outputs = stack.outputs.map(
    (output) => `- ${KIND_LABEL[output.kind]} output ${code(output.name)}: ${formatShown(output.before)} → ${formatShown(output.after)}`,
  );
  const all = [...blocks, ...outputs];
  // Consecutive list items stay one list; a block with a table is set apart by blank lines.
  const joinBlocks = (parts: readonly string[]) =>
    parts.reduce((text, part, index) => (index === 0 ? part : `${text}${part.includes("\n") || parts[index - 1].includes("\n") ? "\n\n" : "\n"}${part}`), "");
  const full = joinBlocks(all);
  if (full.length <= budget) return full;
  const note = (left: number) =>
    `… and ${plural(left, "more change")} not shown to fit GitHub's comment size limit; ${fullPlanHint(stack, options.runUrl)}.`;
  const kept: string[] = [];
  let used = note(all.length).length;
  for (const block of all) {
    if (used + block.length + 2 > budget) break;
    kept.push(block);
    used += block.length + 2;
  }
  return `${joinBlocks(kept)}\n\n${note(all.length - kept.length)}`;
}

/** The plan text, cut at a line boundary to fit `budget` characters. */
function planTextBody(stack: ReportStack, text: string, budget: number, runUrl?: string): string {
  const full = fencedBlock(text);
  if (full.length <= budget) return full;
  const lines = text.split("\n");
  const note = (shown: number) =>
    `… ${lines.length - shown} of ${lines.length} lines not shown to fit GitHub's comment size limit; ${fullPlanHint(stack, runUrl)}.`;
  const room = budget - note(0).length - 16;
  let shown = 0;
  let length = 0;
  while (shown < lines.length && length + lines[shown].length + 1 <= room) {
    length += lines[shown].length + 1;
    shown += 1;
  }
  return `${fencedBlock(lines.slice(0, shown).join("\n"))}\n\n${note(shown)}`;
}

const MAX_ERROR_CHARS = 4_000;

/** The end of a failed run's output: Terraform prints its errors last. */
function errorTail(text: string): string {
  const clean = stripAnsi(text).trimEnd();
  if (clean.length <= MAX_ERROR_CHARS) return clean;
  const tail = clean.slice(-MAX_ERROR_CHARS);
  return `… (${clean.length - MAX_ERROR_CHARS} characters before this cut)\n${tail.slice(tail.indexOf("\n") + 1)}`;
}

/** What the cause tracing found besides the resources: the settings changes, drift, and what it could not trace. */
function traceLines(stack: ReportStack): string[] {
  const trace = stack.trace;
  if (!trace) return [];
  const lines: string[] = [];
  if (trace.newEnvironment) lines.push("New environment: the base revision has no settings file for it.");
  else if (trace.settingChanges.length > 0) {
    lines.push(`Settings changed by this pull request:\n${trace.settingChanges.map((change) => `- ${settingChangeText(change)}`).join("\n")}`);
  }
  if (trace.drift.length > 0) {
    lines.push(`Changed outside Terraform (drift this plan undoes):\n${trace.drift.map((entry) => `- ${code(entry.address)}: ${entry.attributes.map(code).join(", ")}`).join("\n")}`);
  }
  for (const note of trace.notes) lines.push(`<i>Not traced: ${escapeHtml(note)}</i>`);
  return lines;
}

function stackSection(stack: ReportStack, resources: string, planText: string | undefined): string {
  const heading = `### ${escapeHtml(stack.stack)}${stack.protected ? " (protected)" : ""} · ${escapeHtml(stack.target)}`;
  const parts = [heading, ...traceLines(stack)];
  if (stack.status === "failed") {
    parts.push(details("<b>Planning failed</b>", fencedBlock(errorTail(stack.error ?? ""))));
  } else if (stack.status === "no-changes") {
    parts.push("No changes.");
  } else {
    parts.push(details(`${plural(stack.resources.length, "resource")} change: ${countsText(stack)}`, resources));
  }
  if (planText !== undefined) parts.push(details(`Plan text of ${escapeHtml(stack.label)}`, planText));
  return parts.join("\n\n");
}

function title(report: PlanReport): string {
  const changed = report.stacks.filter((stack) => stack.status === "changes").length;
  const failed = report.stacks.filter((stack) => stack.status === "failed").length;
  const total = report.stacks.length;
  const status =
    changed === 0 && failed === 0 ? `no changes in ${plural(total, "stack")}` : `${changed} of ${plural(total, "stack")} change${failed ? `, ${failed} failed` : ""}`;
  return `## Terraform plan: ${status}`;
}

/** How the plans were made, so a reviewer knows what "changes" means here. */
function reviewLine(review: ReviewJson): string {
  const head = `the head (${code(review.head.commit.slice(0, 12))}${review.head.dirty ? " with uncommitted changes" : ""})`;
  const base = `${code(review.base.ref)} (${code(review.base.commit.slice(0, 12))})`;
  return review.mode === "base"
    ? `**Base mode**: ${head} planned against the base ${base} applied to a throwaway target, so each plan is exactly what this pull request changes.`
    : `**Live mode**: ${head} planned against the deployed state and target; each change says whether it comes from this pull request, from the base ${base} (merged, not yet deployed) or from drift (a change made outside Terraform).`;
}

function footer(report: PlanReport, runUrl?: string): string {
  const versions = [...new Set(report.stacks.map((stack) => stack.terraformVersion).filter((version): version is string => !!version))].sort();
  const planned = versions.length > 0 ? `Planned with Terraform ${versions.join(", ")}` : "";
  const run = runUrl ? `plans and full texts in the artifacts of [this run](${runUrl})` : "";
  const text = [planned, run].filter(Boolean).join("; ");
  return text === "" ? "" : `<sub>${text}.</sub>`;
}

/** The report as Markdown, at most `maxChars` characters. */
/** The release steps the plans make: each stack's release-state output that changes, per service, before → after. */
function releaseSteps(report: PlanReport): string[] {
  const rows = report.stacks.flatMap((stack) =>
    stack.outputs
      .filter((output) => output.name.startsWith(RELEASE_OUTPUT_PREFIX))
      .map((output) => `- <b>${escapeHtml(stack.label)}</b> ${code(output.name.slice(RELEASE_OUTPUT_PREFIX.length))}: ${formatShown(output.before)} → ${formatShown(output.after)}`),
  );
  return rows.length === 0 ? [] : [`**Release steps in this plan**\n\n${rows.join("\n")}`];
}

export function renderMarkdown(report: PlanReport, renderOptions: RenderOptions = {}): string {
  const options = {
    maxChars: DEFAULT_MAX_CHARS,
    maxAttributesPerResource: 40,
    maxSettingRows: 100,
    ...renderOptions,
  };
  const head = [
    REPORT_MARKER,
    title(report),
    ...(report.review ? [reviewLine(report.review)] : []),
    ...warnings(report),
    summaryTable(report),
    ...releaseSteps(report),
    ...(report.environmentDiff ? [environmentDiffSection(report.environmentDiff, options.maxSettingRows)] : []),
  ].join("\n\n");
  const foot = footer(report, options.runUrl);
  const texts = report.stacks.map((stack) => (stack.planText === undefined ? undefined : stripAnsi(stack.planText).replace(/^(\s*\n)+/, "").trimEnd()));

  // Fixed parts: everything but the resource lists and plan texts, which share what is left.
  const skeleton = [head, ...report.stacks.map((stack, index) => stackSection(stack, "", texts[index] === undefined ? undefined : "")), foot]
    .filter(Boolean)
    .join("\n\n");
  const available = Math.max(0, options.maxChars - skeleton.length - 1);
  const resourceDemands = report.stacks.map((stack) => (stack.status === "changes" ? resourcesBody(stack, options, Infinity).length : 0));
  const textDemands = texts.map((text) => (text === undefined ? 0 : fencedBlock(text).length));
  // Resource lists first (up to 60 % while texts compete), texts take the rest, then lists take back what texts left.
  const firstResources = shareBudget(available * 0.6, resourceDemands);
  const textBudgets = shareBudget(available - firstResources.reduce((a, b) => a + b, 0), textDemands);
  const resourceBudgets = shareBudget(available - textBudgets.reduce((a, b) => a + b, 0), resourceDemands);

  const sections = report.stacks.map((stack, index) => {
    const text = texts[index];
    const resources = stack.status === "changes" ? resourcesBody(stack, options, resourceBudgets[index]) : "";
    return stackSection(stack, resources, text === undefined ? undefined : planTextBody(stack, text, textBudgets[index], options.runUrl));
  });
  const markdown = `${[head, ...sections, foot].filter(Boolean).join("\n\n")}\n`;
  // Only a header larger than the limit (hundreds of stacks) gets here; cut it rather than have GitHub refuse it.
  return markdown.length <= options.maxChars ? markdown : `${markdown.slice(0, options.maxChars - 80)}\n\n… report cut to fit GitHub's comment size limit.\n`;
}
