#!/usr/bin/env node
// `npm run plan:report -- --plans <dir> --out <file.md> [--json <summary.json>]` (see plan-report/cli.ts).
// Runs dist/plan-report.js, a single-file bundle of plan-report/cli.ts rebuilt when a source is newer.
const path = require("path");
const { ensureBundle, root } = require("./_bundle");

const outfile = path.join("dist", "plan-report.js");
ensureBundle({ entryPoint: path.join("plan-report", "cli.ts"), outfile, sources: ["plan-report", "settings", "model", "package-lock.json"] }).then(() => {
  process.exitCode = require(path.join(root, outfile)).main(process.argv.slice(2));
});
