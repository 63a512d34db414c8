import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { environments } from "../../stacks/config";
import type { EnvironmentConfig } from "../../stacks/schema";
import { synthesize, synthSummary } from "../../stacks/environment";
import { ConfigError, resolveEnvironments } from "../../stacks/schema";
import { zoneIdPrefix } from "../../stacks/validate";
import { full, minimal as example } from "../fixtures/environments";

const withConfig = (overrides: Partial<EnvironmentConfig>) => () => resolveEnvironments([{ ...example, ...overrides }]);

/** The problems a list of environments gives, or [] when it is valid. */
function problemsOf(configs: readonly unknown[]): readonly string[] {
  try {
    resolveEnvironments(configs as EnvironmentConfig[]);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe("config validation", () => {
  it("accepts every environment configured in stacks/config.ts, whichever they are", () => {
    expect(problemsOf(environments)).toEqual([]);
  });

  it("accepts the test fixtures, one with every optional feature on", () => {
    expect(problemsOf([example, full])).toEqual([]);
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

  it("rejects names over AWS limits (ALB names are at most 32 characters)", () => {
    // "whoami-" + 22 characters + "-alb" is 33 characters
    expect(withConfig({ name: "abcdefghijklmnopqrstuv" })).toThrow(/ALB name "whoami-abcdefghijklmnopqrstuv-alb" is 33 characters, over AWS's limit of 32/);
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
    expect(withConfig({ region: "europe-1" })).toThrow(/region "europe-1" is not an AWS region/);
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
    expect(withConfig({ network: { azCount: 1 } })).toThrow(/network.azCount 1 must be a whole number from 2 to 6 \(an ALB needs subnets in at least 2 AZs\)/);
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
    // while a valid config writes every stack, and says what it wrote and what comes next
    const stacks = synthesize([example], { outdir, containerHash: "hash" });
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["app-example", "bootstrap-example", "network-example"]);
    expect(stacks.map((s) => s.name)).toEqual(["bootstrap-example", "network-example", "app-example"]);
    expect(stacks.every((s) => s.resources > 5)).toBe(true);
    const summary = synthSummary(stacks, dirname(outdir));
    expect(summary).toContain("Wrote 3 stacks for 1 environment in stacks/config.ts (example):");
    expect(summary).toMatch(new RegExp(`  app-example +${stacks[2].resources} resources  cdktf.out/stacks/app-example/cdk.tf.json`));
    expect(summary).toContain("\n  npm run deploy -- <env>");
    // the command the deploy tier (__tests__/deploy) runs, and an npm script that exists
    expect(JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")).scripts.deploy).toBe("tsx scripts/deploy.ts");
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
    expect(withConfig({ service: { desiredCount: 3, maxCount: 2 } })).toThrow(/service.maxCount 2 must be at least desiredCount \(3\)/);
  });
});

describe("unknown settings", () => {
  it.each([
    [{ network: { azcount: 3 } }, /\[example\] network.azcount is not a setting; did you mean "azCount"\?/],
    [{ service: { desiredcount: 2 } }, /\[example\] service.desiredcount is not a setting; did you mean "desiredCount"\?/],
    [{ domainname: "x.example.com" }, /\[example\] domainname is not a setting; did you mean "domainName"\?/],
    [{ cognito: { domainPrefix: "ok-login", mfaa: true } }, /\[example\] cognito.mfaa is not a setting; did you mean "mfa"\?/],
    [{ hostedZone: { name: "example.com", zoneId: "Z1" } }, /hostedZone.zoneId is not a setting; did you mean "id"\?|hostedZone.zoneId is not a setting; valid here: name, id/],
  ])("rejects %j, naming the key and the closest valid one", (overrides, message) => {
    expect(withConfig(overrides as Partial<EnvironmentConfig>)).toThrow(message);
  });

  it("lists the valid keys when nothing is close", () => {
    expect(withConfig({ image: { registry: "x" } } as Partial<EnvironmentConfig>)).toThrow(/image.registry is not a setting; valid here: prebuiltUri, keepImages/);
  });

  it("rejects a section that is not an object, and tags that are not strings", () => {
    const problems = problemsOf([{ ...example, network: 3, tags: { team: 1 } }]);
    expect(problems).toEqual(["[example] network must be an object of settings, not the number 3", "[example] tags.team must be a string, not the number 1"]);
  });
});

describe("regions", () => {
  it.each([
    ["eu-central-9", /region "eu-central-9" is not an AWS region; did you mean "eu-central-1"\?/],
    ["eu-centrl-1", /region "eu-centrl-1" is not an AWS region; did you mean "eu-central-1"\?/],
  ])("rejects %s, a region that matches the pattern but does not exist", (region, message) => {
    expect(withConfig({ region })).toThrow(message);
  });

  it.each(["us-east-1", "ap-southeast-7", "mx-central-1", "us-gov-west-1"])("accepts %s", (region) => {
    expect(problemsOf([{ ...example, region }])).toEqual([]);
  });

  it("keeps the region list for the pinned AWS provider version", () => {
    // stacks/regions.ts was taken for this provider release: a provider bump must refresh it.
    const { PROVIDER_VERSION } = jest.requireActual<typeof import("../../stacks/regions")>("../../stacks/regions");
    const pkg = jest.requireActual<{ cdktf: { provider: { version: string } } }>("@cdktf/provider-aws/package.json");
    expect(pkg.cdktf.provider.version).toBe(PROVIDER_VERSION);
  });
});

describe("clashes between environments", () => {
  const other = { ...example, name: "staging", stateBucket: "staging-state", domainName: "staging.example.com", cognito: { domainPrefix: "staging-login" } };

  it("accepts two environments that share nothing unique", () => {
    expect(problemsOf([example, other])).toEqual([]);
  });

  it.each([
    ["stateBucket", { stateBucket: example.stateBucket }, /\[staging\] stateBucket "example-whoami-tfstate" is also used by \[example\]/],
    ["domainName", { domainName: example.domainName }, /\[staging\] domain name "whoami.example.com" is also used by \[example\]/],
    ["an alternative name", { alternativeNames: [example.domainName] }, /\[staging\] domain name "whoami.example.com" is also used by \[example\]/],
    ["cognito.domainPrefix in one region", { cognito: example.cognito }, /\[staging\] cognito.domainPrefix "example-whoami-login in eu-central-1" is also used by \[example\]/],
  ])("rejects a shared %s", (_what, overrides, message) => {
    expect(() => resolveEnvironments([example, { ...other, ...overrides }])).toThrow(message);
  });

  it("allows one Cognito domain prefix in two regions", () => {
    expect(problemsOf([example, { ...other, region: "us-east-1", cognito: example.cognito }])).toEqual([]);
  });

  it("labels problems by position when two environments have one name", () => {
    const problems = problemsOf([example, { ...other, name: "example", region: "nowhere-1" }]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[environments\[1\] "example"\] region "nowhere-1"/),
        expect.stringMatching(/^\[environments\[1\] "example"\] name "example" is also used by \[environments\[0\] "example"\]/),
      ]),
    );
    expect(problems.some((p) => p.startsWith("[example]"))).toBe(false);
  });

  it("reports unknown keys of every environment at once, and writes nothing", () => {
    const problems = problemsOf([{ ...example, azcount: 2 }, { ...other, service: { cpuu: 256 } }]);
    expect(problems).toEqual([
      '[example] azcount is not a setting; valid here: name, region, stateBucket, hostedZone, domainName, alternativeNames, cognito, network, service, image, logs, waf, session, authorization, github, allowDestroy, tags',
      '[staging] service.cpuu is not a setting; did you mean "cpu"?',
    ]);
  });
});

describe("availability zones and certificate names", () => {
  it("takes azCount from pinned zones", () => {
    const [config] = resolveEnvironments([{ ...example, network: { availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"] } }]);
    expect(config.network.azCount).toBe(3);
  });

  it.each([
    [{ availabilityZones: ["eu-central-1a", "eu-central-1a"] }, /network.availabilityZones lists a zone twice/],
    [{ availabilityZones: ["eu-central-1a", "us-east-1b"] }, /"us-east-1b" is neither a zone of eu-central-1/],
    [{ availabilityZones: ["eu-central-1a", "euc1-az2"] }, /mixes zone names and zone ids/],
    [{ availabilityZones: ["euc1-az1", "euc1-az2"], azCount: 3 }, /lists 2 zones but network.azCount is 3/],
  ])("rejects pinned zones %j", (network, message) => {
    expect(withConfig({ network })).toThrow(message);
  });

  it("rejects alternative names outside the zone or repeated", () => {
    expect(withConfig({ alternativeNames: ["www.example.org"] })).toThrow(/alternativeNames: "www.example.org" is not a host name inside hosted zone "example.com"/);
    expect(withConfig({ alternativeNames: ["WHOAMI.example.com."] })).toThrow(/alternativeNames repeat a name or domainName/);
  });
});

/** The mistakes a new user makes editing stacks/config.ts (issue 17's table), each with the message it gets. */
describe("values of the wrong type or shape", () => {
  const drop = (key: string) => Object.fromEntries(Object.entries(example).filter(([k]) => k !== key));

  it.each([
    ["allowDestroy as a string", { allowDestroy: "false" }, '[example] allowDestroy must be true or false (no quotes), not the string "false"'],
    ["singleNatGateway as a string", { network: { singleNatGateway: "false" } }, '[example] network.singleNatGateway must be true or false (no quotes), not the string "false"'],
    ["dualStack as a string", { network: { dualStack: "yes" } }, '[example] network.dualStack must be true or false (no quotes), not the string "yes"'],
    ["waf.enabled as a number", { waf: { enabled: 1 } }, "[example] waf.enabled must be true or false (no quotes), not the number 1"],
    ["desiredCount as a string", { service: { desiredCount: "2" } }, '[example] service.desiredCount must be a number (no quotes), not the string "2"'],
    ["alternativeNames as a string", { alternativeNames: "www.example.com" }, '[example] alternativeNames must be a list of strings, not the string "www.example.com"'],
    ["availabilityZones as a string", { network: { availabilityZones: "euc1-az1" } }, '[example] network.availabilityZones must be a list of strings, not the string "euc1-az1"'],
  ])("rejects %s with the setting, the expected type and the value", (_what, overrides, message) => {
    expect(problemsOf([{ ...example, ...overrides }])).toEqual([message]);
  });

  it("rejects cpu and memory as strings, both at once", () => {
    expect(problemsOf([{ ...example, service: { cpu: "512", memory: "1024" } }])).toEqual([
      '[example] service.cpu must be a number (no quotes), not the string "512"',
      '[example] service.memory must be a number (no quotes), not the string "1024"',
    ]);
  });

  it.each([
    ["cognito", "[example] cognito is required: an object of settings"],
    ["hostedZone", "[example] hostedZone is required: an object of settings"],
    ["domainName", "[example] domainName is required: a string"],
    ["region", "[example] region is required: a string"],
    ["stateBucket", "[example] stateBucket is required: a string"],
  ])("says that %s is required when it is left out", (key, message) => {
    expect(problemsOf([drop(key)])).toEqual([message]);
  });

  it("labels an environment without a name by its position, and writes no stacks for it", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
    const nameless = drop("name");
    expect(problemsOf([nameless])).toEqual(["[environments[0]] name is required: a string"]);
    expect(() => synthesize([nameless as EnvironmentConfig], { outdir, containerHash: "hash" })).toThrow(ConfigError);
    expect(existsSync(outdir)).toBe(false);
  });

  it("rejects zone ids of another region, naming the region's prefix", () => {
    expect(problemsOf([{ ...example, region: "us-west-2", network: { availabilityZones: ["euc1-az1", "euc1-az2"] } }])).toEqual([
      '[example] network.availabilityZones: zone id "euc1-az1" is not in us-west-2, whose zone ids start with "usw2-"',
      '[example] network.availabilityZones: zone id "euc1-az2" is not in us-west-2, whose zone ids start with "usw2-"',
    ]);
    expect(problemsOf([{ ...example, region: "us-west-2", network: { availabilityZones: ["usw2-az1", "usw2-az2"] } }])).toEqual([]);
  });

  it("rejects six alternative names, which the ALB's redirect rule cannot match, and accepts five", () => {
    const names = ["a", "b", "c", "d", "e", "f"].map((n) => `${n}.example.com`);
    expect(problemsOf([{ ...example, alternativeNames: names }])).toEqual([
      "[example] alternativeNames lists 6 names; at most 5 fit the ALB rule that redirects them (a listener rule condition takes 5 values)",
    ]);
    expect(problemsOf([{ ...example, alternativeNames: names.slice(0, 5) }])).toEqual([]);
  });

  it("says a China region is in a partition this project does not deploy to, instead of suggesting a European one", () => {
    const [problem] = problemsOf([{ ...example, region: "cn-north-1" }]);
    expect(problem).toMatch(/^\[example\] region "cn-north-1" is in AWS China \(aws-cn\), which this project does not deploy to/);
    expect(problem).not.toMatch(/did you mean/);
  });

  it("reports type problems and rules between other settings in one pass", () => {
    const problems = problemsOf([{ ...example, allowDestroy: "no", domainName: "app.example.org", service: { cpu: 256, memory: 4096 } }]);
    expect(problems).toEqual([
      '[example] allowDestroy must be true or false (no quotes), not the string "no"',
      '[example] domainName "app.example.org" is not inside hosted zone "example.com"; use a name ending in ".example.com"',
      "[example] service.memory 4096 is not allowed with cpu 256; Fargate takes 512, 1024, 2048",
    ]);
  });
});

describe("zone id prefixes", () => {
  it.each([
    ["eu-central-1", "euc1"],
    ["us-east-1", "use1"],
    ["us-west-2", "usw2"],
    ["ap-northeast-1", "apne1"],
    ["ap-southeast-2", "apse2"],
    ["ap-south-1", "aps1"],
    ["sa-east-1", "sae1"],
    ["us-gov-west-1", "usgw1"],
    ["il-central-1", "ilc1"],
  ])("%s has zone ids %s-azN", (region, prefix) => {
    expect(zoneIdPrefix(region)).toBe(prefix);
  });
});

describe("session and authorization settings", () => {
  const api = { scopes: { read: "Read" }, requiredScope: "read", clients: [{ name: "reporting" }] };

  it("accepts a route policy and machine clients, and fills in the resource server identifier", () => {
    const [resolved] = resolveEnvironments([{ ...example, authorization: { routes: [{ path: "/admin/*", groups: ["admins"] }], api } }]);
    expect(resolved.authorization.api?.identifier).toBe("api");
    expect(resolved.session).toEqual({ lengthMinutes: 480, accessTokenMinutes: 15, idTokenMinutes: 15, refreshTokenMinutes: 480 });
  });

  it.each([
    [{ session: { lengthMinutes: 20_000 } }, /session.lengthMinutes 20000 must be a whole number from 5 to 10,080 \(the ALB allows up to 7 days\)/],
    [{ session: { accessTokenMinutes: 2 } }, /session.accessTokenMinutes 2 must be a whole number from 5 to 1,440/],
    [{ session: { lengthMinutes: 720 } }, /session.refreshTokenMinutes 480 is shorter than session.lengthMinutes 720: the session would end when the refresh token expires; make it at least 720/],
    [{ session: { lengthMinutes: 60, accessTokenMinutes: 60, refreshTokenMinutes: 60 } }, /session.refreshTokenMinutes 60 must be longer than the access and ID token validity/],
    [{ authorization: { routes: [{ path: "admin/*", groups: ["admins"] }] } }, /authorization.routes rule 0: path "admin\/\*" must be like "\/admin" or "\/admin\/\*"/],
    [{ authorization: { routes: [{ path: "/admin/*", groups: [] }] } }, /authorization.routes rule 0: groups must be a non-empty list of Cognito group names/],
    [{ authorization: { routes: [{ path: "/admin/*", groups: ["${oops}"] }] } }, /authorization.routes\[0\].groups\[0\] "\$\{oops\}" must be 1-128 letters, digits or/],
    [{ authorization: { routes: [{ path: "/signed-out", groups: ["admins"] }] } }, /authorization.routes \/signed-out covers a public path/],
    [{ authorization: { routes: [{ path: "/signed-out/*", groups: ["admins"] }] } }, /authorization.routes \/signed-out\/\* covers a public path/],
    [
      { authorization: { routes: [{ path: "/admin/*", groups: ["a"] }, { path: "/admin/*", groups: ["b"] }] } },
      /authorization.routes lists \/admin\/\* twice; put all its groups in one rule/,
    ],
    [{ authorization: { api: { ...api, requiredScope: "write" } } }, /authorization.api.requiredScope "write" is not one of api.scopes \(read\)/],
    [{ authorization: { api: { ...api, clients: [] } } }, /authorization.api.clients is empty: list the machine clients, or leave api out/],
    [{ authorization: { api: { ...api, clients: [{ name: "Reporting Job" }] } } }, /authorization.api.clients\[0\].name "Reporting Job" must be 2-32 lowercase letters/],
    [{ authorization: { api: { ...api, clients: [{ name: "reporting", scopes: ["admin"] }] } } }, /authorization.api.clients reporting: scope "admin" is not one of api.scopes \(read\)/],
    [
      { authorization: { api: { ...api, scopes: { read: "Read", write: "Write" }, clients: [{ name: "reporting", scopes: ["write"] }] } } },
      /authorization.api.clients reporting: scopes must include requiredScope "read" \(every API request needs it\)/,
    ],
    [{ authorization: { api: { ...api, clients: [{ name: "reporting", scopes: [] }] } } }, /authorization.api.clients reporting: scopes must include requiredScope "read"/],
    [{ authorization: { api: { ...api, scopes: { "a/b": "x" } } } }, /scope name "a\/b" must be 1-256 URL characters without "\/"/],
  ])("rejects %j with a message that says what to fix", (overrides, message) => {
    expect(withConfig(overrides as Partial<EnvironmentConfig>)).toThrow(message);
  });
});
