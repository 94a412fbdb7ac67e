#!/usr/bin/env node
// `npm run plan:report -- --plans <dir> --out <file.md> [--json <summary.json>]` (see plan-report/cli.ts).
// Runs dist/plan-report.js, a single-file bundle of plan-report/cli.ts rebuilt with esbuild when a source is
// newer, like scripts/run-app.js: no ts-node or tsc on the way.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const entry = path.join(root, "dist", "plan-report.js");
const SOURCES = ["plan-report", "spec", "package-lock.json"];

function newestMtime(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

const built = fs.statSync(entry, { throwIfNoEntry: false });
if (!built || SOURCES.some((source) => newestMtime(path.join(root, source)) > built.mtimeMs)) {
  require("esbuild").buildSync({
    entryPoints: [path.join(root, "plan-report", "cli.ts")],
    outfile: entry,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
}
process.exitCode = require(entry).main(process.argv.slice(2));
