// checkov 3.3.30's terraform_json parser fails on a whole file when the terraform block
// holds a plain string (required_version) or when a file has check or removed blocks
// (blocks without a name), and then reports "0 passed, 0 failed" with exit code 0. So CI
// scans a copy without those three: none of them declares a resource or a setting that a
// check reads. Usage: node .ci/checkov-stacks.mjs copy <from> <to>
//                     node .ci/checkov-stacks.mjs verify <results.json>  (fails unless it scanned and passed)
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [command, ...args] = process.argv.slice(2);
if (command === "copy") {
  const [from, to] = args;
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  for (const stack of readdirSync(to)) {
    const file = join(to, stack, "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    delete json.terraform?.required_version;
    delete json.check;
    delete json.removed;
    writeFileSync(file, JSON.stringify(json, null, 2));
  }
} else if (command === "verify") {
  const results = JSON.parse(readFileSync(args[0], "utf8"));
  const summaries = (Array.isArray(results) ? results : [results]).map((r) => r.summary);
  const sum = (key) => summaries.reduce((n, s) => n + s[key], 0);
  const [passed, failed, errors] = [sum("passed"), sum("failed"), sum("parsing_errors")];
  console.log(`checkov: ${passed} passed, ${failed} failed, ${errors} parsing errors`);
  if (errors > 0 || passed === 0 || failed > 0) {
    console.error("checkov did not scan every stack cleanly: a parsing error or no passed check means nothing was checked");
    process.exit(1);
  }
} else {
  console.error("usage: node .ci/checkov-stacks.mjs copy <from> <to> | verify <results.json>");
  process.exit(2);
}
