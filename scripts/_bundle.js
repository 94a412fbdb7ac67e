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
 * every file under `sources`. Returns true when it (re)built.
 */
function ensureBundle({ entryPoint, outfile, sources }) {
  const built = fs.statSync(path.join(root, outfile), { throwIfNoEntry: false });
  if (built && !sources.some((source) => newestMtime(path.join(root, source)) > built.mtimeMs)) return false;
  require("esbuild").buildSync({
    entryPoints: [path.join(root, entryPoint)],
    outfile: path.join(root, outfile),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
  return true;
}

module.exports = { ensureBundle, root };
