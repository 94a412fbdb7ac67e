#!/usr/bin/env node
// The app command of cdktf.json. Runs dist/main.js, a minified single-file bundle of the app rebuilt with
// esbuild when a source is newer (a fraction of a second). Type-checking is `npm run build`'s job (tsc), so
// neither ts-node nor tsc sits on the synth path. The bundle runs with a V8 code cache (dist/main.js.<key>.cache)
// so later runs skip most parsing and compiling, and with the patches of _synth-patches.js.
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");
const { ensureBundle, root } = require("./_bundle");
const { patches } = require("./_synth-patches");

const outfile = path.join("dist", "main.js");
const entry = path.join(root, outfile);
const sources = ["main.ts", "settings", "model", "terraform", "images", "constructs", "stacks", "package-lock.json"].concat(
  ["_bundle.js", "_synth-patches.js", "_deferred-stack-trace.js"].map((name) => path.join("scripts", name)),
);

/** 32-bit FNV-1a of `text` in hex: names a cache file without loading crypto. */
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16);
}

/** Runs the bundle as a CommonJS module, from and into the code cache. */
function runWithCodeCache() {
  // V8 rejects a cache made under other flags (cdktf sets NODE_OPTIONS), so each flag set keeps its own; the
  // bundle's size and time are in the name too, as V8 checks only the length of the source it is given.
  const bundle = fs.statSync(entry);
  const key = [process.version, ...process.execArgv, process.env.NODE_OPTIONS ?? "", bundle.size, bundle.mtimeMs].join(" ");
  const codeCache = `${entry}.${fnv1a(key)}.cache`;
  const cached = fs.existsSync(codeCache) ? fs.readFileSync(codeCache) : undefined;
  const script = new vm.Script(Module.wrap(fs.readFileSync(entry, "utf8")), { filename: entry, cachedData: cached });
  const main = new Module(entry, module);
  main.filename = entry;
  main.paths = Module._nodeModulePaths(path.dirname(entry));
  script.runInThisContext()(main.exports, (id) => main.require(id), main, entry, path.dirname(entry));
  // Written after the run, so the cache also holds the functions compiled lazily while synthesizing.
  if (!cached || script.cachedDataRejected) {
    const partial = `${codeCache}.${process.pid}.partial`; // renamed into place: never read half-written
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, codeCache);
  }
}

ensureBundle({ entryPoint: "main.ts", outfile, sources, plugins: patches }).then((rebuilt) => {
  if (rebuilt) {
    for (const name of fs.readdirSync(path.dirname(entry))) {
      if (/^main\.js\.[0-9a-f]+\.cache$/.test(name)) fs.rmSync(path.join(path.dirname(entry), name), { force: true });
    }
  }
  runWithCodeCache();
  // Synthesis is synchronous and has written its files by now: unless output is still queued (pipes are
  // asynchronous on macOS), exit without tearing the heap down, about 15 ms.
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
});
