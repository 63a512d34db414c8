import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesize } from "../../stacks/environment";
import { ConfigError } from "../../stacks/schema";
import { full, minimal } from "../fixtures/environments";

const synthInto = (outdir: string, configs: Parameters<typeof synthesize>[0]) => synthesize(configs, { outdir, containerHash: "hash" });
const stacksIn = (outdir: string) => readdirSync(join(outdir, "stacks")).sort();

describe("synth output", () => {
  const outdir = () => join(mkdtempSync(join(tmpdir(), "synth-output-")), "cdktf.out");

  it("drops the stacks of an environment taken out of the configuration, and keeps Terraform's files of the others", () => {
    // GIVEN two environments synthesized, and Terraform initialised in one stack of the one that stays
    const out = outdir();
    synthInto(out, [minimal, full]);
    mkdirSync(join(out, "stacks", "network-example", ".terraform"));
    writeFileSync(join(out, "stacks", "network-example", ".terraform.lock.hcl"), "# lock\n");
    // WHEN prod is removed from the configuration
    synthInto(out, [minimal]);
    // THEN only example's stacks are left, with what Terraform keeps there
    expect(stacksIn(out)).toEqual(["app-example", "bootstrap-example", "network-example"]);
    expect(existsSync(join(out, "stacks", "network-example", ".terraform"))).toBe(true);
    expect(existsSync(join(out, "stacks", "network-example", ".terraform.lock.hcl"))).toBe(true);
    expect(existsSync(join(out, "stacks", "network-example", "cdk.tf.json"))).toBe(true);
    // and no temporary folder is left beside it
    expect(readdirSync(join(out, ".."))).toEqual(["cdktf.out"]);
  });

  it("a failed synth leaves no configuration a later terraform run could pick up", () => {
    // GIVEN a good synth
    const out = outdir();
    synthInto(out, [minimal]);
    mkdirSync(join(out, "stacks", "app-example", ".terraform"));
    // WHEN the next one fails on a config mistake
    expect(() => synthInto(out, [{ ...minimal, region: "nowhere" }])).toThrow(ConfigError);
    // THEN no cdk.tf.json and no manifest remain, while Terraform's cache is kept
    const left = stacksIn(out).flatMap((stack) => readdirSync(join(out, "stacks", stack)).map((f) => `${stack}/${f}`));
    expect(left).toEqual(["app-example/.terraform"]);
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
    expect(readdirSync(join(out, ".."))).toEqual(["cdktf.out"]);
  });
});
