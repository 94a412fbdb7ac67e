#!/usr/bin/env node
// The app command of cdktf.json. Runs dist/main.js, a single-file bundle of the app; when a source is
// newer than the bundle it is rebuilt first with esbuild (a fraction of a second). Type-checking is
// `npm run build`'s job (tsc), so neither ts-node nor tsc sits on the synth path. The bundle runs with a V8
// code cache (dist/main.js.cache) so later runs skip most parsing and compiling.
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");

const root = path.resolve(__dirname, "..");
const entry = path.join(root, "dist", "main.js");
const codeCache = `${entry}.cache`;
const SOURCES = ["main.ts", "spec", "constructs", "stacks", "package-lock.json"];

function newestMtime(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

function bundle() {
  fs.rmSync(codeCache, { force: true });
  require("esbuild").buildSync({
    entryPoints: [path.join(root, "main.ts")],
    outfile: entry,
    bundle: true,
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
}

/** Runs the bundle as a CommonJS module, from and into the code cache. */
function runWithCodeCache() {
  const cached = fs.existsSync(codeCache) ? fs.readFileSync(codeCache) : undefined;
  const script = new vm.Script(Module.wrap(fs.readFileSync(entry, "utf8")), { filename: entry, cachedData: cached });
  const main = new Module(entry, module);
  main.filename = entry;
  main.paths = Module._nodeModulePaths(path.dirname(entry));
  script.runInThisContext()(main.exports, (id) => main.require(id), main, entry, path.dirname(entry));
  // Written after the run, so the cache also holds the functions compiled lazily while synthesizing.
  if (!cached || script.cachedDataRejected) fs.writeFileSync(codeCache, script.createCachedData());
}

const built = fs.statSync(entry, { throwIfNoEntry: false });
if (!built || SOURCES.some((source) => newestMtime(path.join(root, source)) > built.mtimeMs)) bundle();
runWithCodeCache();
