import { S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { PROJECT } from "./config";
import { ResolvedConfig } from "./schema";

/**
 * Terraform every stack needs: 1.11 made S3 native locking (`use_lockfile`) generally
 * available, and with this an older Terraform says so at init instead of failing on the
 * backend. OpenTofu compares its own version: 1.11 or later.
 */
export const REQUIRED_TERRAFORM = ">= 1.11.0";

/** The AWS provider every stack uses, tagging every resource it creates; and the Terraform version it needs. */
export function awsProvider(stack: TerraformStack, config: ResolvedConfig): AwsProvider {
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM);
  return new AwsProvider(stack, "aws", {
    region: config.region,
    defaultTags: [{ tags: { project: PROJECT, environment: config.name, "managed-by": "cdktf", ...config.tags } }],
  });
}

/**
 * State in the bootstrap stack's bucket, one key per stack, with S3 native locking (a
 * lock object next to the state; no DynamoDB table).
 *
 * No `encrypt = true`: that makes the backend ask for SSE-S3 (AES256) on every write,
 * which overrides the bucket's default. Without it, state and lock files get the bucket's
 * default encryption, SSE-KMS (see BootstrapStack), whose policy refuses AES256 writes.
 */
export function remoteState(stack: TerraformStack, config: ResolvedConfig, stackName: string): S3Backend {
  const backend = new S3Backend(stack, {
    bucket: config.stateBucket,
    key: `${config.name}/${stackName}.tfstate`,
    region: config.region,
  });
  // S3BackendConfig has no typed prop for it in cdktf 0.21.
  backend.addOverride("use_lockfile", true);
  return backend;
}
