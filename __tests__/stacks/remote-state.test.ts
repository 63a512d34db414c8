import { buildEnvironment, only, resourceAt, synthJson, synthText } from "../helpers/synth";

describe("remote state", () => {
  const stacks = buildEnvironment();
  const bootstrap = synthJson(stacks.bootstrap);

  it("keeps the bootstrap stack's own state in its bucket (npm run deploy moves it there from a local file)", () => {
    expect(bootstrap.terraform.backend).toEqual({ s3: { bucket: "example-whoami-tfstate", key: "example/bootstrap-example.tfstate", region: "eu-central-1", use_lockfile: true } });
  });

  it("creates the state bucket versioned, KMS-encrypted, with public access blocked", () => {
    expect(resourceAt(bootstrap, "aws_s3_bucket", "state")).toMatchObject({ bucket: "example-whoami-tfstate", lifecycle: { prevent_destroy: true } });
    expect(resourceAt(bootstrap, "aws_s3_bucket_versioning", "state-versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(resourceAt(bootstrap, "aws_s3_bucket_server_side_encryption_configuration", "state-encryption")).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" } }],
    });
    expect(resourceAt(bootstrap, "aws_s3_bucket_public_access_block", "state-public-access")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("denies every request to the state bucket that is not over TLS", () => {
    const policy = JSON.parse(String(resourceAt(bootstrap, "aws_s3_bucket_policy", "state-tls-only").policy));
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  it("refuses state written with SSE-S3, so state and lock files carry the bucket's KMS encryption", () => {
    const policy = JSON.parse(String(resourceAt(bootstrap, "aws_s3_bucket_policy", "state-tls-only").policy));
    expect(policy.Statement).toContainEqual(
      // AES256 (SSE-S3) is not aws:kms: denied. A write without the header gets the bucket's default.
      expect.objectContaining({
        Effect: "Deny",
        Action: "s3:PutObject",
        Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
      }),
    );
  });

  it("expires the delete markers every lock file leaves in the versioned bucket, and old state versions after a year", () => {
    const lifecycle = resourceAt(bootstrap, "aws_s3_bucket_lifecycle_configuration", "state-lifecycle") as { rule: Array<Record<string, unknown>> };
    expect(lifecycle.rule).toContainEqual(
      expect.objectContaining({
        status: "Enabled",
        filter: [{}],
        expiration: [{ expired_object_delete_marker: true }],
        noncurrent_version_expiration: [{ noncurrent_days: 365 }],
      }),
    );
  });

  it.each(["network", "app"] as const)("stores the %s stack's state in the bucket with S3 native locking, under the bucket's KMS default", (which) => {
    const json = synthJson(stacks[which]);
    // No `encrypt: true`: the backend would then write SSE-S3 (AES256), not the bucket's KMS key.
    expect(json.terraform.backend).toEqual({
      s3: { bucket: "example-whoami-tfstate", key: `example/${which}-example.tfstate`, region: "eu-central-1", use_lockfile: true },
    });
  });

  it.each(["bootstrap", "network", "app"] as const)("makes the %s stack require Terraform 1.11 or later (S3 native locking is GA there)", (which) => {
    expect((synthJson(stacks[which]).terraform as { required_version?: string }).required_version).toBe(">= 1.11.0");
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
