// `npm run plan:report -- --plans <dir> --out <file.md> [--json <summary.json>]`: one Markdown report (and a
// JSON summary) from the plans of every stack. See docs/plan-review.md.
import * as fs from "fs";
import * as path from "path";
import { ConfigError, DEFAULT_SETTINGS_DIR, loadEnvironments } from "../settings";
import { diffEnvironments, EnvironmentDiff } from "./environment-diff";
import { PlanInputError } from "./plan-json";
import { buildReport, reportSummaryJson, ReportSummaryJson } from "./plan-report";
import { PlanFiles, readPlanDir, readReview } from "./read-plan-dir";
import { DEFAULT_MAX_CHARS, renderMarkdown } from "./render-markdown";
import { readSecretFiles, secretFilePaths } from "./secret-files";

const USAGE = `Usage: plan-report --plans <dir> --out <report.md> [options]

  --plans <dir>          one folder per stack: <stack>/plan.json (terraform show -json), optional plan.txt
                         (terraform show -no-color), meta.json {"stack","target"}, or error.txt when planning failed
  --out <file>           the Markdown report ("-" for standard output)
  --json <file>          also write the JSON summary
  --settings <dir>       settings folder (protected environments, environment diff)
                         (default: $SETTINGS_DIR or environments/)
  --promote <from:to>    environments of the settings diff (default: staging:prod; "none" to leave it out)
  --max-chars <n>        size limit of the report (default: ${DEFAULT_MAX_CHARS})
  --run-url <url>        link to the CI run that holds the plans
  --secret-file <file>   a file whose contents are secret: masked everywhere in the report, as written, trimmed
                         and base64-encoded (repeatable; the files the plans read with sensitive(file("...")) are
                         masked without it, and must be readable where the report runs)`;

export interface CliOptions {
  readonly plans: string;
  readonly out: string;
  readonly json?: string;
  readonly settings: string;
  readonly promote?: { readonly from: string; readonly to: string };
  readonly maxChars: number;
  readonly runUrl?: string;
  /** Files whose contents are masked, besides those the plans read as secrets. @default - none */
  readonly secretFiles?: readonly string[];
}

class UsageError extends Error {}

/** Parses the arguments; every problem is reported at once. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const values = new Map<string, string>();
  const secretFiles: string[] = [];
  const problems: string[] = [];
  const known = ["--plans", "--out", "--json", "--settings", "--promote", "--max-chars", "--run-url", "--secret-file"];
  for (let index = 0; index < argv.length; index += 1) {
    const [flag, inline] = argv[index].split(/=(.*)/s, 2);
    if (!known.includes(flag)) {
      problems.push(`unknown argument "${argv[index]}"`);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined || value === "") problems.push(`${flag} needs a value`);
    else if (flag === "--secret-file") secretFiles.push(value);
    else values.set(flag, value);
  }
  for (const required of ["--plans", "--out"]) if (!values.has(required)) problems.push(`${required} is required`);
  const promoteText = values.get("--promote") ?? "staging:prod";
  const promoteMatch = /^([^:]+):([^:]+)$/.exec(promoteText);
  if (promoteText !== "none" && !promoteMatch) problems.push(`--promote "${promoteText}" is not <from>:<to> (e.g. staging:prod) or none`);
  const maxChars = Number(values.get("--max-chars") ?? DEFAULT_MAX_CHARS);
  if (!Number.isInteger(maxChars) || maxChars < 1000) problems.push(`--max-chars "${values.get("--max-chars")}" is not a whole number of at least 1000`);
  if (problems.length > 0) throw new UsageError(problems.map((problem) => `plan-report: ${problem}`).join("\n"));
  return {
    plans: values.get("--plans") as string,
    out: values.get("--out") as string,
    ...(values.has("--json") ? { json: values.get("--json") } : {}),
    settings: values.get("--settings") ?? (env.SETTINGS_DIR || DEFAULT_SETTINGS_DIR),
    ...(promoteMatch ? { promote: { from: promoteMatch[1], to: promoteMatch[2] } } : {}),
    maxChars,
    ...(values.has("--run-url") ? { runUrl: values.get("--run-url") } : {}),
    ...(secretFiles.length > 0 ? { secretFiles } : {}),
  };
}

function write(file: string, text: string): void {
  if (file === "-") {
    process.stdout.write(text);
    return;
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

/** The contents of the secret files given on the command line and of those the plans read. */
function secretFileContents(options: CliOptions, files: readonly PlanFiles[]): string[] {
  return readSecretFiles([
    ...(options.secretFiles ?? []).map((file) => ({ file, namedBy: "--secret-file" })),
    ...files.flatMap((stack) =>
      stack.plan ? secretFilePaths(stack.plan).map((file) => ({ file, namedBy: `${path.join(options.plans, stack.folder, "plan.json")} (sensitive(file(...)))` })) : [],
    ),
  ]);
}

/** Reads the plans, secret files and settings, writes the report; returns what it wrote. */
export function runPlanReport(options: CliOptions): { markdown: string; summary: ReportSummaryJson } {
  const specs = loadEnvironments(options.settings);
  const files = readPlanDir(options.plans);
  const secrets = secretFileContents(options, files);
  const protectedNames = new Set(specs.filter((spec) => spec.protected).map((spec) => spec.name));
  let environmentDiff: EnvironmentDiff | undefined;
  if (options.promote) {
    // The validated settings, defaults applied: a value one environment leaves to its default still compares.
    const settings = new Map(specs.map(({ name, ...settings }) => [name, settings]));
    const { from, to } = options.promote;
    const missing = [from, to].filter((name) => !settings.has(name));
    if (missing.length > 0) {
      throw new UsageError(`plan-report: --promote ${from}:${to}: no environment ${missing.map((name) => `"${name}"`).join(", ")} in ${options.settings} (known: ${[...settings.keys()].join(", ")})`);
    }
    environmentDiff = diffEnvironments({ name: from, settings: settings.get(from) }, { name: to, settings: settings.get(to) });
  }
  const report = buildReport(
    files.map((file) => ({ ...file, protected: protectedNames.has(file.stack) })),
    environmentDiff,
    secrets,
    readReview(options.plans),
  );
  const markdown = renderMarkdown(report, { maxChars: options.maxChars, runUrl: options.runUrl });
  const summary = reportSummaryJson(report);
  write(options.out, markdown);
  if (options.json) write(options.json, `${JSON.stringify(summary, null, 2)}\n`);
  return { markdown, summary };
}

/** Entry point: exit 2 on wrong arguments, 1 on unreadable plans or secret files, or invalid settings. */
export function main(argv: readonly string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const options = parseArgs(argv);
    const { summary } = runPlanReport(options);
    process.stderr.write(
      `plan-report: wrote ${options.out}${options.json ? ` and ${options.json}` : ""} (changed: ${summary.changed.join(", ") || "none"}; failed: ${summary.failed.join(", ") || "none"}${summary.protectedDestructive ? "; DESTROYS IN A PROTECTED ENVIRONMENT" : ""})\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof PlanInputError) {
      process.stderr.write(`${error.message.split("\n").map((line) => `plan-report: ${line}`).join("\n")}\n`);
      return 1;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`plan-report: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
