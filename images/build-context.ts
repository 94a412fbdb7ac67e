// A fingerprint of a Docker build context, computed at synth time: the files `docker build` would send
// (honouring .dockerignore), by path and content. An image is rebuilt exactly when it changes.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

interface IgnoreRule {
  readonly pattern: RegExp;
  readonly exception: boolean;
}

/** .dockerignore patterns as regular expressions: `*` and `?` stay within a path segment, `**` does not. */
function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const exception = line.startsWith("!");
      const glob = path.posix.normalize((exception ? line.slice(1) : line).trim()).replace(/^\/+/, "").replace(/\/+$/, "");
      const source = glob
        .split(/(\*\*|\*|\?)/)
        .map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part === "?" ? "[^/]" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
      return { pattern: new RegExp(`^${source}$`), exception };
    });
}

/** True when the last rule matching `file` (or one of its parent directories) excludes it. */
function ignored(file: string, rules: readonly IgnoreRule[]): boolean {
  const candidates = file.split("/").map((_, index, parts) => parts.slice(0, index + 1).join("/"));
  let excluded = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.exception;
  }
  return excluded;
}

function listFiles(dir: string, prefix = ""): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) return listFiles(dir, relative);
      return entry.isFile() ? [relative] : [];
    });
}

/** The sha256 of the build context in `dir`, hex encoded. */
export function hashBuildContext(dir: string): string {
  const dockerignore = path.join(dir, ".dockerignore");
  const rules = fs.existsSync(dockerignore) ? parseDockerignore(fs.readFileSync(dockerignore, "utf8")) : [];
  const hash = createHash("sha256");
  for (const file of listFiles(dir).filter((candidate) => !ignored(candidate, rules)).sort()) {
    hash.update(file).update("\0").update(fs.readFileSync(path.join(dir, file))).update("\0");
  }
  return hash.digest("hex");
}
