// Secrets the stacks read from files: `sensitive(file("<path>"))` in the configuration. The plan holds their
// contents only inside values, never as a variable, so the report reads the files to know what to mask.
import * as fs from "fs";
import { SECRET_FILE_VARIABLE_PREFIX } from "../settings/secret-file-variable";
import { PlanInputError, PlanJson } from "./plan-json";

const SENSITIVE_CALL = /\bsensitive\s*\(/g;
const FILE_CALL = /\bfile\s*\(\s*"/g;
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/** Index of the `)` closing the call whose arguments start at `start`, skipping quoted strings. */
function closingParen(expression: string, start: number): number {
  let depth = 1;
  for (let index = start; index < expression.length; index += 1) {
    const char = expression[index];
    if (char === '"') {
      index += 1;
      while (index < expression.length && expression[index] !== '"') index += expression[index] === "\\" ? 2 : 1;
    } else if (char === "(") {
      depth += 1;
    } else if (char === ")" && --depth === 0) {
      return index;
    }
  }
  return expression.length;
}

/** The quoted string literal starting after its `"` at `start`, unescaped; undefined when it does not end. */
function stringLiteral(expression: string, start: number): string | undefined {
  let value = "";
  for (let index = start; index < expression.length; index += 1) {
    const char = expression[index];
    if (char === '"') return value.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
    if (char !== "\\") {
      value += char;
      continue;
    }
    const escape = expression[++index];
    const hex = escape === "u" ? 4 : escape === "U" ? 8 : 0;
    if (hex > 0) {
      value += String.fromCodePoint(parseInt(expression.slice(index + 1, index + 1 + hex), 16));
      index += hex;
    } else {
      value += ESCAPES[escape] ?? `\\${escape}`;
    }
  }
  return undefined;
}

/** The path arguments of `file("...")` calls inside `sensitive(...)` calls of one expression. */
function sensitiveFileArguments(expression: string): string[] {
  const paths: string[] = [];
  for (const call of expression.matchAll(SENSITIVE_CALL)) {
    const start = (call.index ?? 0) + call[0].length;
    const inside = expression.slice(start, closingParen(expression, start));
    for (const file of inside.matchAll(FILE_CALL)) {
      const literal = stringLiteral(inside, (file.index ?? 0) + file[0].length);
      if (literal !== undefined) paths.push(literal);
    }
  }
  return paths;
}

/**
 * Files the plan reads as secrets, sorted: the values of the stacks' `secret_file_*` variables (the stacks read
 * `sensitive(file(var.secret_file_...))`), and paths written into the configuration, whose expressions
 * `terraform show -json` keeps as written, e.g. `${sensitive(file("/work/secrets/db-password"))}`.
 */
export function secretFilePaths(plan: PlanJson): string[] {
  const paths = new Set<string>();
  for (const [name, variable] of Object.entries(plan.variables ?? {})) {
    if (name.startsWith(SECRET_FILE_VARIABLE_PREFIX) && typeof variable?.value === "string") paths.add(variable.value);
  }
  const visit = (value: unknown): void => {
    if (typeof value === "string") sensitiveFileArguments(value).forEach((file) => paths.add(file));
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(visit);
  };
  visit(plan.configuration);
  return [...paths].sort();
}

/** A file the report must read to mask its contents, and who asked for it (for the error message). */
export interface SecretFileSource {
  readonly file: string;
  /** E.g. `--secret-file` or `plans/dev/plan.json`. */
  readonly namedBy: string;
}

/**
 * The contents of every secret file. An unreadable one fails the report (it could not mask what it does not
 * know); all of them are named at once.
 */
export function readSecretFiles(sources: readonly SecretFileSource[]): string[] {
  const contents: string[] = [];
  const problems: string[] = [];
  for (const { file, namedBy } of sources) {
    try {
      contents.push(fs.readFileSync(file, "utf8"));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push(`${namedBy}: secret file "${file}" cannot be read (${reason}); the report masks its contents, so it must run where the file is`);
    }
  }
  if (problems.length > 0) throw new PlanInputError(problems.join("\n"));
  return contents;
}
