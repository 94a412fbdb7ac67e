// The checked-in list of accepted findings (checkers/accepted-findings.yaml) and the verdict on a run: every finding
// is accepted by name with a reason, or it is new; an accepted entry that matches nothing is stale.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { z } from "zod";
import { CHECKERS, Finding } from "./findings";

/** The list shipped with the project. */
export const ACCEPTED_FINDINGS_FILE = path.join(__dirname, "accepted-findings.yaml");

const WHERE_PATTERN = /^[A-Za-z0-9._*-]+(\/[A-Za-z0-9._*-]+)*$/;

const entrySchema = z
  .object({
    checker: z.enum(CHECKERS),
    check: z.string().min(1),
    where: z.array(z.string().regex(WHERE_PATTERN, { message: 'is not a location pattern (segments separated by "/", "*" within a segment, "**" for any segments)' })).min(1),
    reason: z.string().trim().min(20, { message: "needs a reason a reviewer can judge (at least 20 characters)" }),
  })
  .strict();

/** An accepted finding: a check of a checker, the locations it is accepted at, and why. */
export type AcceptedFinding = z.output<typeof entrySchema>;

/** The accepted findings of `file`; throws naming every problem of the file. */
export function loadAcceptedFindings(file: string = ACCEPTED_FINDINGS_FILE): AcceptedFinding[] {
  const document: unknown = parse(fs.readFileSync(file, "utf8"));
  const raw: unknown[] = Array.isArray(document) ? document : [];
  const problems: string[] = Array.isArray(document) ? [] : ["[] is not a list of entries"];
  const entries: AcceptedFinding[] = [];
  const seen = new Map<string, number>();
  raw.forEach((item, index) => {
    const result = entrySchema.safeParse(item);
    if (!result.success) {
      problems.push(...result.error.issues.map((issue) => `[${[index, ...issue.path].join(".")}] ${issue.message}`));
      return;
    }
    const key = `${result.data.checker} ${result.data.check}`;
    const first = seen.get(key);
    if (first !== undefined) problems.push(`[${index}.check] repeats entry ${first} (${key}): list every location of one check in one entry`);
    seen.set(key, first ?? index);
    entries.push(result.data);
  });
  if (problems.length === 0) return entries;
  throw new Error(`Invalid accepted findings (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((problem) => `  - ${path.basename(file)}: ${problem}`).join("\n")}`);
}

/** True when `where` matches `pattern`: "*" stands for any text within one segment, "**" for any segments. */
export function whereMatches(pattern: string, where: string): boolean {
  const regex = pattern
    .split("/")
    .map((segment) => (segment === "**" ? ".*" : segment.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, "\\$&")).join("[^/]*")))
    .join("/");
  return new RegExp(`^${regex}$`).test(where);
}

/** The verdict on one run of the checkers. */
export interface Verdict {
  /** Findings no entry accepts: each fails the test. */
  readonly unexpected: readonly Finding[];
  /** Findings with the entry that accepts them. */
  readonly accepted: ReadonlyArray<{ readonly finding: Finding; readonly entry: AcceptedFinding }>;
  /** Accepted locations no finding matches (fixed, or the list is wrong): each fails the test too. */
  readonly stale: ReadonlyArray<{ readonly entry: AcceptedFinding; readonly where: string }>;
}

export function judge(findings: readonly Finding[], entries: readonly AcceptedFinding[]): Verdict {
  const unexpected: Finding[] = [];
  const accepted: Array<{ finding: Finding; entry: AcceptedFinding }> = [];
  const used = new Set<string>();
  for (const finding of findings) {
    const entry = entries.find((candidate) => candidate.checker === finding.checker && candidate.check === finding.check && candidate.where.some((pattern) => whereMatches(pattern, finding.where)));
    if (entry === undefined) {
      unexpected.push(finding);
      continue;
    }
    accepted.push({ finding, entry });
    for (const pattern of entry.where.filter((candidate) => whereMatches(candidate, finding.where))) used.add(`${entry.checker} ${entry.check} ${pattern}`);
  }
  const stale = entries.flatMap((entry) => entry.where.filter((where) => !used.has(`${entry.checker} ${entry.check} ${where}`)).map((where) => ({ entry, where })));
  return { unexpected, accepted, stale };
}
