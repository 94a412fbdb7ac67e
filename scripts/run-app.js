#!/usr/bin/env node
// The app command of cdktf.json. Runs dist/main.js, a single-file bundle of the app; when a source is
// newer than the bundle it is rebuilt first with esbuild (a fraction of a second). Type-checking is
// `npm run build`'s job (tsc), so neither ts-node nor tsc sits on the synth path.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const entry = path.join(root, "dist", "main.js");
const SOURCES = ["main.ts", "spec", "constructs", "stacks", "package-lock.json"];

function newestMtime(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

function bundle() {
  require("esbuild").buildSync({
    entryPoints: [path.join(root, "main.ts")],
    outfile: entry,
    bundle: true,
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
}

const built = fs.statSync(entry, { throwIfNoEntry: false });
if (!built || SOURCES.some((source) => newestMtime(path.join(root, source)) > built.mtimeMs)) bundle();
require(entry);
