#!/usr/bin/env node
// Times the synth of all three stacks through the project's fast path (cdktf.json's app command:
// a prebuilt bundle) against the stock `npx ts-node main.ts`, in one invocation, and prints the ratio.
//   npm run bench:synth [-- <fast runs> <ts-node runs>]
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const fastRuns = Number(process.argv[2] ?? 9);
const referenceRuns = Number(process.argv[3] ?? 3);
const appCommand = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")).app;
const caFile = process.env.NODE_EXTRA_CA_CERTS;

function time(label, command, outdir) {
  const started = process.hrtime.bigint();
  execFileSync("sh", ["-c", command], { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CDKTF_OUTDIR: outdir } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (label) process.stdout.write(`  ${label}: ${seconds.toFixed(2)} s\n`);
  return seconds;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const outdir = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
const runs = (count, label, command, dir) => Array.from({ length: count }, (_, i) => time(label && `${label} ${i + 1}`, command, dir));

// One untimed run builds the bundle if sources changed, so the figures are for the steady state.
execFileSync("sh", ["-c", appCommand], { cwd: root, stdio: "ignore", env: { ...process.env, CDKTF_OUTDIR: outdir("warmup") } });

console.log(`project path (${appCommand}), ${fastRuns} runs:`);
const fastOut = outdir("fast");
const fast = runs(fastRuns, "run", appCommand, fastOut);
console.log(`reference path (npx ts-node main.ts), ${referenceRuns} runs:`);
const referenceOut = outdir("ts-node");
const reference = runs(referenceRuns, "run", "npx --no-install ts-node main.ts", referenceOut);

for (const stack of ["dev", "staging", "prod"]) {
  const read = (dir) => fs.readFileSync(path.join(dir, "stacks", stack, "cdk.tf.json"), "utf8");
  if (read(fastOut) !== read(referenceOut)) throw new Error(`the two paths synthesized different ${stack} stacks`);
}

const fastMedian = median(fast);
const referenceMedian = median(reference);
console.log("");
console.log(`synth of dev, staging, prod (median wall time, identical output):`);
console.log(`  project path   ${fastMedian.toFixed(2)} s`);
console.log(`  ts-node path   ${referenceMedian.toFixed(2)} s`);
console.log(`  ratio          ${(referenceMedian / fastMedian).toFixed(1)}x faster (target: at least 20x)`);

if (caFile) {
  // The app command drops NODE_EXTRA_CA_CERTS (synthesis opens no connection); show what that alone is worth.
  const withCa = median(runs(fastRuns, undefined, "node scripts/run-app.js", outdir("with-ca")));
  const start = (command) => median(runs(fastRuns, undefined, command, os.tmpdir()));
  console.log("");
  console.log(`NODE_EXTRA_CA_CERTS is set (${caFile}); node reads it at every start:`);
  console.log(`  node start-up            ${(start("node -e 0") * 1000).toFixed(0)} ms, without it ${(start("env -u NODE_EXTRA_CA_CERTS node -e 0") * 1000).toFixed(0)} ms`);
  console.log(`  project path keeping it  ${withCa.toFixed(2)} s, ${(referenceMedian / withCa).toFixed(1)}x faster than ts-node`);
}
