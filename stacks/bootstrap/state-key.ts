import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";

/** What a role that reads state needs of the key: S3 decrypts each object with it. */
export const STATE_READ_ACTIONS = ["kms:Decrypt"] as const;
/** What a role that writes state needs too: S3 asks for a data key for each new object. */
export const STATE_WRITE_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] as const;

export interface StateKeyProps {
  /** `alias/<name>`. */
  readonly aliasName: string;
  /** The environment's region: the roles may use the key only through S3 there. */
  readonly region: string;
  /**
   * Roles that read state (a pull request's plan).
   * @default [] - none
   */
  readonly readers?: readonly string[];
  /**
   * Roles that read and write state (a deploy).
   * @default [] - none
   */
  readonly writers?: readonly string[];
}

/**
 * The customer-managed KMS key that encrypts the state bucket. With the AWS-managed
 * `aws/s3` key, anyone allowed `s3:GetObject` on the bucket reads the state, and with it
 * the Cognito client secret; with this key they also need `kms:Decrypt` on it.
 *
 * The key policy keeps the account root, which lets IAM policies in this account grant the
 * key (without it the key could lock everybody out, the human admin who runs the first
 * bootstrap included, and only AWS support could undo that). Besides, it grants the
 * environment's plan role decrypt and its deploy role decrypt and encrypt, each through
 * S3 in this region only. Rotation is on (yearly, free), and the key outlives a destroy:
 * without it, no state version can be read again.
 */
export class StateKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: StateKeyProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account", {});
    const partition = new DataAwsPartition(this, "partition", {});
    const viaS3 = { StringEquals: { "kms:ViaService": `s3.${props.region}.amazonaws.com`, "kms:CallerAccount": account.accountId } };
    const grant = (sid: string, roles: readonly string[] | undefined, actions: readonly string[]) =>
      roles && roles.length > 0 ? [{ Sid: sid, Effect: "Allow", Principal: { AWS: [...roles] }, Action: [...actions], Resource: "*", Condition: viaS3 }] : [];

    this.key = new KmsKey(this, "key", {
      description: `Terraform state in S3 (${props.aliasName.replace(/^alias\//, "")})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
      // A plain JSON document, not aws_iam_policy_document: in a key policy "Resource": "*"
      // means this key, and checkov's IAM checks would read it as every resource.
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountRootAndWhomItDelegates",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition.partition}:iam::${account.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          ...grant("PlanReadsState", props.readers, STATE_READ_ACTIONS),
          ...grant("DeployReadsAndWritesState", props.writers, STATE_WRITE_ACTIONS),
        ],
      }),
    });
    new KmsAlias(this, "alias", { name: props.aliasName, targetKeyId: this.key.keyId });
  }
}
