// esbuild plugins for the synth bundle only (scripts/run-app.js): they change when cdktf does work it
// rarely needs, never what it synthesizes; `npm run bench:synth` checks the output against ts-node's.
// Each fails the build when the cdktf file it edits no longer looks as expected, so an upgrade cannot
// silently drop one.
const fs = require("fs");
const path = require("path");

/** Serves files matched by `filter` as `replace(text, path)` returns them. */
function rewrite(name, filter, replace) {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, (args) => ({ contents: replace(fs.readFileSync(args.path, "utf8"), args.path), loader: "js" }));
    },
  };
}

function expect(text, needle, file) {
  if (!text.includes(needle)) throw new Error(`${file} no longer contains ${JSON.stringify(needle)}: review scripts/_synth-patches.js`);
}

const patches = [
  // Token creation stacks are formatted only when an error reads them (about 20 ms of every synth).
  rewrite("deferred-token-stack-traces", /cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/, (text, file) => {
    expect(text, "exports.captureStackTrace = captureStackTrace;", file);
    return fs.readFileSync(path.join(__dirname, "_deferred-stack-trace.js"), "utf8");
  }),
  // archiver (zip and tar streams, globbing, lodash) is loaded on the first TerraformAsset, not at start-up.
  rewrite("lazy-archiver", /cdktf[\\/]lib[\\/]private[\\/]fs\.js$/, (text, file) => {
    const eager = 'const archiver = require("archiver");';
    expect(text, eager, file);
    return text.replace(eager, 'const archiver = (...args) => require("archiver")(...args);');
  }),
];

module.exports = { patches };
