#!/usr/bin/env node
// The app command of cdktf.json. Runs dist/main.js, a single-file bundle of the app rebuilt with esbuild when
// a source is newer (a fraction of a second). Type-checking is `npm run build`'s job (tsc), so neither ts-node
// nor tsc sits on the synth path. The bundle runs with a V8 code cache (dist/main.js.cache) so later runs
// skip most parsing and compiling.
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");
const { ensureBundle, root } = require("./_bundle");

const outfile = path.join("dist", "main.js");
const entry = path.join(root, outfile);
const codeCache = `${entry}.cache`;

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

if (ensureBundle({ entryPoint: "main.ts", outfile, sources: ["main.ts", "spec", "constructs", "stacks", "package-lock.json"] })) {
  fs.rmSync(codeCache, { force: true });
}
runWithCodeCache();
