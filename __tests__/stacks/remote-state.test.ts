import { buildEnvironment, only, synthJson, synthText } from "../helpers/synth";

describe("remote state", () => {
  const stacks = buildEnvironment();
  const bootstrap = synthJson(stacks.bootstrap);

  it("keeps the bootstrap stack's own state in a local file in the project root, outside cdktf.out", () => {
    expect(bootstrap.terraform.backend).toEqual({ local: { path: "../../../terraform.bootstrap-example.tfstate" } });
  });

  it("creates the state bucket versioned, KMS-encrypted, with public access blocked", () => {
    expect(only(bootstrap, "aws_s3_bucket")).toMatchObject({ bucket: "example-whoami-tfstate", lifecycle: { prevent_destroy: true } });
    expect(only(bootstrap, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(only(bootstrap, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" } }],
    });
    expect(only(bootstrap, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("denies every request to the state bucket that is not over TLS", () => {
    const policy = JSON.parse(String(only(bootstrap, "aws_s3_bucket_policy").policy));
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  it.each(["network", "app"] as const)("stores the %s stack's state in the bucket, encrypted, with S3 native locking", (which) => {
    const json = synthJson(stacks[which]);
    expect(json.terraform.backend).toEqual({
      s3: { bucket: "example-whoami-tfstate", key: `example/${which}-example.tfstate`, region: "eu-central-1", encrypt: true, use_lockfile: true },
    });
  });

  it("reads the network's outputs in the app stack through terraform_remote_state", () => {
    expect(synthText(stacks.app)).toHaveDataSourceWithProperties(
      { tfResourceType: "terraform_remote_state" },
      { backend: "s3", config: expect.objectContaining({ key: "example/network-example.tfstate" }) },
    );
    const service = only(synthJson(stacks.app), "aws_ecs_service") as { network_configuration: { subnets: string[] } };
    for (const subnet of service.network_configuration.subnets) expect(subnet).toMatch(/^\$\{data\.terraform_remote_state\./);
  });
});

describe("deploy order", () => {
  it("deploys bootstrap, then network, then app (cdktf deploy runs independent stacks side by side)", () => {
    const { bootstrap, network, app } = buildEnvironment();
    expect(network.dependencies).toEqual([bootstrap]);
    expect(app.dependencies).toEqual([network]);
  });
});
