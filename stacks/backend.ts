import { S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { PROJECT } from "./config";
import { ResolvedConfig } from "./validate";

/** The AWS provider every stack uses, tagging every resource it creates. */
export function awsProvider(stack: TerraformStack, config: ResolvedConfig): AwsProvider {
  return new AwsProvider(stack, "aws", {
    region: config.region,
    defaultTags: [{ tags: { project: PROJECT, environment: config.name, "managed-by": "cdktf", ...config.tags } }],
  });
}

/**
 * State in the bootstrap stack's bucket, one key per stack, encrypted, with S3
 * native locking (a lock object next to the state; no DynamoDB table).
 */
export function remoteState(stack: TerraformStack, config: ResolvedConfig, stackName: string): S3Backend {
  const backend = new S3Backend(stack, {
    bucket: config.stateBucket,
    key: `${config.name}/${stackName}.tfstate`,
    region: config.region,
    encrypt: true,
  });
  // S3BackendConfig has no typed prop for it in cdktf 0.21.
  backend.addOverride("use_lockfile", true);
  return backend;
}
