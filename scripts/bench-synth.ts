/**
 * `npm run bench`: runs the synth of every stack N times, exactly as `npm run synth`
 * does (esbuild transpiles and bundles main.ts, node runs the bundle), and prints the
 * median wall time and peak RSS. Targets: under 1 s and 200 MB.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const runs = Number(process.argv[2] ?? 7);
const root = join(__dirname, "..");
const BUNDLE_OUT = "node_modules/.cache/synth/main.js";
/** The same esbuild arguments as the synth script in package.json. */
const synthScript = (require(join(root, "package.json")) as { scripts: Record<string, string> }).scripts.synth;
const BUNDLE = synthScript.split(" && ")[0].split(" ").slice(1);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const times: number[] = [];
const rss: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  const build = spawnSync(join(root, "node_modules/.bin/esbuild"), BUNDLE, { cwd: root, encoding: "utf8" });
  const result = spawnSync(process.execPath, ["--require", join(__dirname, "rss-probe.cjs"), BUNDLE_OUT], { cwd: root, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (build.status !== 0 || result.status !== 0) {
    process.stderr.write(build.stderr + result.stderr);
    process.exit(1);
  }
  times.push(ms);
  rss.push(Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr)?.[1] ?? NaN) / 1024);
}
console.log(`synth of all stacks, ${runs} runs`);
console.log(`  wall time: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`);
console.log(`  peak RSS:  median ${median(rss).toFixed(0)} MB (max ${Math.max(...rss).toFixed(0)})`);
