import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { addLogBucket, ALB_LOG_BUCKET_LOG_PREFIX, albLogBucketName, LogBucket, s3AccessLogBucketName, STATE_BUCKET_LOG_PREFIX } from "./log-bucket";

export interface S3AccessLogsProps {
  /** `<project>-<environment>`: names this bucket and the app stack's ALB log bucket. */
  readonly namePrefix: string;
  /** The state bucket, whose requests are logged from now on. */
  readonly stateBucket: S3Bucket;
  /** Days the logs are kept. */
  readonly retentionDays: number;
  /** @default false - a destroy stops at a bucket that still holds logs */
  readonly forceDestroy?: boolean;
}

/**
 * The environment's bucket for S3 server access logs: one line per request to the state
 * bucket (which holds the Cognito client secret) and to the ALB log bucket, with the
 * caller, so "who read the state" has an answer without CloudTrail data events. It lives
 * in the bootstrap stack because S3 only accepts a logging target that already exists,
 * and this stack is applied before the others.
 */
export class S3AccessLogs extends Construct {
  readonly logBucket: LogBucket;

  constructor(scope: Construct, id: string, props: S3AccessLogsProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account", {});
    const partition = new DataAwsPartition(this, "partition", {});
    // Each source bucket may write its own prefix only, and only from this account.
    const sources: ReadonlyArray<[sid: string, prefix: string, bucketArn: string]> = [
      ["StateBucketAccessLogs", STATE_BUCKET_LOG_PREFIX, props.stateBucket.arn],
      ["AlbLogBucketAccessLogs", ALB_LOG_BUCKET_LOG_PREFIX, `arn:${partition.partition}:s3:::${albLogBucketName(props.namePrefix, account.accountId)}`],
    ];
    this.logBucket = addLogBucket(this, {
      bucketName: s3AccessLogBucketName(props.namePrefix, account.accountId),
      retentionDays: props.retentionDays,
      forceDestroy: props.forceDestroy,
      writers: (arn) =>
        sources.map(([sid, prefix, source]) => ({
          sid,
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
          actions: ["s3:PutObject"],
          resources: [`${arn}/${prefix}*`],
          condition: [
            { test: "ArnLike", variable: "aws:SourceArn", values: [source] },
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
          ],
        })),
    });
    new S3BucketLoggingA(this, "state-bucket", {
      bucket: props.stateBucket.id,
      targetBucket: this.logBucket.bucket.id,
      targetPrefix: STATE_BUCKET_LOG_PREFIX,
      // Keys by day of the request: an Athena table can partition on them.
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
      dependsOn: [this.logBucket.policy],
    });
  }
}
