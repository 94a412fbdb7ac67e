#!/usr/bin/env node
// `npm run deploy|destroy|orphans|release|rollback -- <env>`, `npm run plan:pr -- --base <ref>` (see cli/main.ts). Runs dist/cli.js, a single-file bundle of
// cli/main.ts rebuilt when a source is newer.
const path = require("path");
const { ensureBundle, root } = require("./_bundle");

const outfile = path.join("dist", "cli.js");
const sources = ["cli", "settings", "model", "stacks", "constructs", "terraform", "images", "plan-report", "review", "package-lock.json"];
ensureBundle({ entryPoint: path.join("cli", "main.ts"), outfile, sources }).then(() => {
  return Promise.resolve(require(path.join(root, outfile)).main(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
});
