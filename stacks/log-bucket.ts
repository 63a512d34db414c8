import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";

/** Days a deleted or expired log object stays recoverable as a noncurrent version. */
export const NONCURRENT_LOG_DAYS = 30;

/**
 * The environment's bucket for S3 server access logs (of the state bucket and of the ALB
 * log bucket), created by the bootstrap stack. Bucket names end in the account id: unique
 * without a random suffix, and every stack can compute them.
 */
export const s3AccessLogBucketName = (namePrefix: string, accountId: string) => `${namePrefix}-s3-logs-${accountId}`;
/** The environment's bucket for ALB access and connection logs, created by the app stack. */
export const albLogBucketName = (namePrefix: string, accountId: string) => `${namePrefix}-alb-logs-${accountId}`;
/** Key prefixes in the S3 access-log bucket, one per logged bucket. */
export const STATE_BUCKET_LOG_PREFIX = "state-bucket/";
export const ALB_LOG_BUCKET_LOG_PREFIX = "alb-log-bucket/";

export interface LogBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Days S3 keeps each log object before its lifecycle rule expires it. */
  readonly retentionDays: number;
  /**
   * Let `terraform destroy` delete the bucket with every log (and version) in it.
   * @default false - a destroy stops at a bucket that still holds logs
   */
  readonly forceDestroy?: boolean;
  /**
   * The services that deliver logs here, as bucket policy statements built from the
   * bucket's ARN. They sit next to a statement that denies every request without TLS.
   */
  readonly writers: (bucketArn: string) => DataAwsIamPolicyDocumentStatement[];
  /**
   * Where S3 writes this bucket's own server access logs (who read or deleted logs).
   * @default - none: this is the end of the chain (S3 advises against a bucket logging into itself)
   */
  readonly serverAccessLogs?: { readonly targetBucket: string; readonly targetPrefix: string };
}

export interface LogBucket {
  readonly bucket: S3Bucket;
  /** Log delivery only works once this exists: resources that turn delivery on wait for it. */
  readonly policy: S3BucketPolicy;
}

/**
 * Adds, in `scope`, an S3 bucket that AWS services deliver logs to: SSE-S3 (the only
 * encryption ALB log delivery supports), bucket-owner-enforced ownership (no ACLs),
 * public access blocked, TLS only, versioned so a deleted log stays recoverable for
 * NONCURRENT_LOG_DAYS, and expired after `retentionDays`. A function rather than a
 * construct so its resources read `aws_s3_bucket.<scope>_bucket` in a plan.
 */
export function addLogBucket(scope: Construct, props: LogBucketProps): LogBucket {
  // Logs that must outlive a destroy stop it at plan time, before anything is deleted.
  const keep = !(props.forceDestroy ?? false);
  const logBucket = new S3Bucket(scope, "bucket", { bucket: props.bucketName, forceDestroy: !keep, lifecycle: keep ? { preventDestroy: true } : undefined });
  const bucket = logBucket.id;

  new S3BucketOwnershipControls(scope, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
  const publicAccess = new S3BucketPublicAccessBlock(scope, "public-access", {
    bucket,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketServerSideEncryptionConfigurationA(scope, "encryption", {
    bucket,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });
  new S3BucketVersioningA(scope, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
  new S3BucketLifecycleConfiguration(scope, "lifecycle", {
    bucket,
    rule: [
      {
        id: "expire-logs",
        status: "Enabled",
        filter: [{}],
        expiration: [{ days: props.retentionDays }],
        noncurrentVersionExpiration: [{ noncurrentDays: NONCURRENT_LOG_DAYS }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
      },
    ],
  });

  const document = new DataAwsIamPolicyDocument(scope, "policy-document", {
    statement: [
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: [logBucket.arn, `${logBucket.arn}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
      ...props.writers(logBucket.arn),
    ],
  });
  const policy = new S3BucketPolicy(scope, "policy", {
    bucket,
    policy: document.json,
    // S3 rejects concurrent policy and public-access-block changes on one bucket.
    dependsOn: [publicAccess],
  });

  if (props.serverAccessLogs) {
    new S3BucketLoggingA(scope, "server-access-logs", {
      bucket,
      targetBucket: props.serverAccessLogs.targetBucket,
      targetPrefix: props.serverAccessLogs.targetPrefix,
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
    });
  }
  return { bucket: logBucket, policy };
}
