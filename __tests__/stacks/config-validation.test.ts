import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvironmentConfig, environments, example } from "../../stacks/config";
import { synthesize } from "../../stacks/environment";
import { ConfigError, resolveEnvironments } from "../../stacks/validate";

const withConfig = (overrides: Partial<EnvironmentConfig>) => () => resolveEnvironments([{ ...example, ...overrides }]);

describe("config validation", () => {
  it("accepts the shipped environments", () => {
    expect(resolveEnvironments(environments).map((c) => c.name)).toEqual(["example", "prod"]);
  });

  it("rejects a domain outside the hosted zone", () => {
    expect(withConfig({ domainName: "app.example.org" })).toThrow(/domainName "app.example.org" is not inside hosted zone "example.com"/);
  });

  it("rejects a domain name longer than ACM allows in a certificate", () => {
    const long = `${"a".repeat(53)}.example.com`; // 65 characters
    expect(withConfig({ domainName: long })).toThrow(/is 65 characters; ACM accepts at most 64/);
    expect(withConfig({ domainName: long.slice(1) })).not.toThrow();
  });

  it("rejects a Cognito domain prefix that is not DNS-safe", () => {
    expect(withConfig({ cognito: { domainPrefix: "My_Login" } })).toThrow(/cognito.domainPrefix "My_Login" must be 1-63 lowercase letters/);
  });

  it.each(["aws", "amazon", "cognito"])("rejects a Cognito domain prefix containing %s", (word) => {
    expect(withConfig({ cognito: { domainPrefix: `acme-${word}-login` } })).toThrow(new RegExp(`contains reserved word "${word}"`));
  });

  it("rejects names over AWS limits (ALB and target group names are at most 32 characters)", () => {
    // "whoami-" + 22 characters + "-alb" is 33 characters
    expect(withConfig({ name: "abcdefghijklmnopqrstuv" })).toThrow(/ALB name "whoami-abcdefghijklmnopqrstuv-alb" is 33 characters, over AWS's limit of 32/);
    expect(withConfig({ name: "abcdefghijklmnopqrstuv" })).toThrow(/target group name "whoami-abcdefghijklmnopqrstuv-app" is 33/);
    expect(withConfig({ name: "abcdefghijklmnopqrstu" })).not.toThrow();
  });

  it("rejects a Fargate cpu/memory pair Fargate does not offer", () => {
    expect(withConfig({ service: { cpu: 256, memory: 4096 } })).toThrow(/service.memory 4096 is not allowed with cpu 256; Fargate takes 512, 1024, 2048/);
    expect(withConfig({ service: { cpu: 300 } })).toThrow(/service.cpu 300 is not a Fargate CPU value/);
  });

  it("rejects an environment name that is not DNS-safe", () => {
    expect(withConfig({ name: "Prod_1" })).toThrow(/name "Prod_1" must be 1-32 lowercase letters/);
    expect(withConfig({ name: "prod-" })).toThrow(/name "prod-" must be .* not ending with a hyphen/);
  });

  it("rejects a bad region", () => {
    expect(withConfig({ region: "europe-1" })).toThrow(/region "europe-1" is not an AWS region name/);
  });

  it.each([
    ["10.0.0.0/33", /is not an IPv4 CIDR|must be a \/16 to \/24/],
    ["10.0.0.300/16", /not an IPv4 CIDR|octet over 255/],
    ["10.0.0.0/8", /must be a \/16 to \/24/],
    ["10.0.1.0/16", /host bits set/],
    ["banana", /is not an IPv4 CIDR/],
  ])("rejects the CIDR %s", (cidr, message) => {
    expect(withConfig({ network: { cidr } })).toThrow(message);
  });

  it("rejects an invalid state bucket name", () => {
    expect(withConfig({ stateBucket: "Not_A_Bucket" })).toThrow(/stateBucket "Not_A_Bucket" is not a valid S3 bucket name/);
  });

  it("rejects an AZ count an ALB cannot use", () => {
    expect(withConfig({ network: { azCount: 1 } })).toThrow(/network.azCount 1 must be 2 to 6/);
  });

  it("rejects a prebuilt image URI without a tag or digest", () => {
    expect(withConfig({ image: { prebuiltUri: "nginx" } })).toThrow(/image.prebuiltUri "nginx" must be a full image URI/);
  });

  it("lists every problem of every environment in one message", () => {
    const bad = { ...example, region: "nowhere", domainName: "x.other.org", cognito: { domainPrefix: "aws" } };
    try {
      resolveEnvironments([bad, { ...example, name: "two", service: { cpu: 256, memory: 3 } }]);
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^\[example\] region/),
          expect.stringMatching(/^\[example\] domainName/),
          expect.stringMatching(/^\[example\] cognito.domainPrefix "aws" contains/),
          expect.stringMatching(/^\[two\] service.memory 3/),
        ]),
      );
    }
  });

  it("stops synth before anything is written", () => {
    // GIVEN an output folder that does not exist yet
    const outdir = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
    // WHEN one of two environments is invalid
    expect(() => synthesize([example, { ...example, name: "bad", region: "nowhere" }], { outdir, containerHash: "hash" })).toThrow(ConfigError);
    // THEN not even the folder exists
    expect(existsSync(outdir)).toBe(false);
    // while a valid config writes every stack
    synthesize([example], { outdir, containerHash: "hash" });
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["app-example", "bootstrap-example", "network-example"]);
  });
});

describe("log retention validation", () => {
  it.each([
    ["service", { service: { logRetentionDays: 45 } }, /service.logRetentionDays 45 is not a CloudWatch retention/],
    ["flow log", { network: { flowLogRetentionDays: 2 } }, /network.flowLogRetentionDays 2 is not a CloudWatch retention/],
  ])("rejects a %s retention CloudWatch does not offer", (_what, overrides, message) => {
    expect(withConfig(overrides)).toThrow(message);
  });
});

describe("autoscaling validation", () => {
  it("rejects a maxCount below desiredCount", () => {
    expect(withConfig({ service: { desiredCount: 3, maxCount: 2 } })).toThrow(/service.maxCount 2 must be an integer of at least desiredCount \(3\)/);
  });
});
