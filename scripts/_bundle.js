// Single-file esbuild bundles of a TypeScript entry point, rebuilt only when a source is newer than the
// bundle: how scripts/run-app.js and scripts/plan-report.js avoid ts-node and tsc on their paths.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");

function newestMtime(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

/**
 * Bundles `entryPoint` into `outfile` (paths relative to the project root) unless the bundle is newer than
 * every file under `sources`, minified (less to read and compile) and with `plugins`. Resolves to true
 * when it (re)built.
 */
async function ensureBundle({ entryPoint, outfile, sources, plugins = [] }) {
  const built = fs.statSync(path.join(root, outfile), { throwIfNoEntry: false });
  if (built && !sources.some((source) => newestMtime(path.join(root, source)) > built.mtimeMs)) return false;
  const target = path.join(root, outfile);
  // The bundle is dated a second before its sources were read: a source edited while esbuild read them (or within
  // the file system's coarse clock of it) stays newer than the bundle, and the next run rebuilds.
  const readFrom = new Date(Date.now() - 1000);
  const { outputFiles } = await require("esbuild").build({
    entryPoints: [path.join(root, entryPoint)],
    outfile: target,
    write: false,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: "warning",
    plugins,
  });
  // Written aside and renamed, so a synth running at the same time never reads half a bundle.
  const partial = `${target}.${process.pid}.partial`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(partial, outputFiles[0].contents);
  fs.utimesSync(partial, readFrom, readFrom);
  fs.renameSync(partial, target);
  return true;
}

module.exports = { ensureBundle, root };
