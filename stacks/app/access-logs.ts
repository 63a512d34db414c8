import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { LbAccessLogs, LbConnectionLogs } from "@cdktf/provider-aws/lib/lb";
import { addLogBucket, ALB_LOG_BUCKET_LOG_PREFIX, albLogBucketName, LogBucket, s3AccessLogBucketName } from "../log-bucket";

/**
 * Regions that opened before August 2022, where ELB delivers logs as a regional ELB
 * account (the ids are in the provider's aws_elb_service_account data source). Regions
 * opened later only know the log delivery service principal, and the data source fails
 * there. See "Enable access logs for your Application Load Balancer", step 2:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export const ELB_ACCOUNT_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-north-1",
  "me-south-1",
  "sa-east-1",
  "us-gov-east-1",
  "us-gov-west-1",
];

/** The principal ELB uses for log delivery in every region opened since August 2022. */
export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";
/** Key prefixes of the two log kinds; ELB appends `AWSLogs/<account>/...`. */
export const ACCESS_LOG_PREFIX = "access-logs";
export const CONNECTION_LOG_PREFIX = "connection-logs";

export interface AlbAccessLogsProps {
  /** `<project>-<environment>`; the bucket is `<namePrefix>-alb-logs-<account id>`. */
  readonly namePrefix: string;
  /** The ALB's region: decides which principal may write. */
  readonly region: string;
  /** Days the logs are kept. */
  readonly retentionDays: number;
  /** @default false - access logs only */
  readonly connectionLogs?: boolean;
  /** @default false - a destroy stops at a bucket that still holds logs */
  readonly forceDestroy?: boolean;
}

/**
 * The bucket an internet-facing ALB writes its access logs (and optionally connection
 * logs) to, with a policy that lets ELB log delivery write exactly those prefixes under
 * this account's `AWSLogs/<account>/` and nothing else.
 */
export class AlbAccessLogs extends Construct {
  readonly logBucket: LogBucket;
  /** For the ALB's `access_logs` block. */
  readonly accessLogs: LbAccessLogs;
  /** For the ALB's `connection_logs` block, when connection logs are on. */
  readonly connectionLogs?: LbConnectionLogs;
  /** `s3://bucket/prefix/AWSLogs/<account>/elasticloadbalancing/<region>/`: where the access logs land. */
  readonly location: string;

  constructor(scope: Construct, id: string, props: AlbAccessLogsProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account", {});
    const prefixes = props.connectionLogs ? [ACCESS_LOG_PREFIX, CONNECTION_LOG_PREFIX] : [ACCESS_LOG_PREFIX];
    const principals = [{ type: "Service", identifiers: [ELB_LOG_DELIVERY_SERVICE] }];
    if (ELB_ACCOUNT_REGIONS.includes(props.region)) {
      const elb = new DataAwsElbServiceAccount(this, "elb-account", {});
      principals.push({ type: "AWS", identifiers: [elb.arn] });
    }

    this.logBucket = addLogBucket(this, {
      bucketName: albLogBucketName(props.namePrefix, account.accountId),
      retentionDays: props.retentionDays,
      forceDestroy: props.forceDestroy,
      writers: (arn): DataAwsIamPolicyDocumentStatement[] => [
        {
          sid: "ElbLogDelivery",
          effect: "Allow",
          principals,
          actions: ["s3:PutObject"],
          // This account's ALBs only: another account's ALB pointed at this bucket
          // would write under AWSLogs/<its account>/, which this does not allow.
          resources: prefixes.map((prefix) => `${arn}/${prefix}/AWSLogs/${account.accountId}/*`),
        },
      ],
      // Into the bootstrap stack's bucket, which exists before this stack is applied.
      serverAccessLogs: { targetBucket: s3AccessLogBucketName(props.namePrefix, account.accountId), targetPrefix: ALB_LOG_BUCKET_LOG_PREFIX },
    });

    const bucket = this.logBucket.bucket.id;
    this.accessLogs = { bucket, prefix: ACCESS_LOG_PREFIX, enabled: true };
    if (props.connectionLogs) this.connectionLogs = { bucket, prefix: CONNECTION_LOG_PREFIX, enabled: true };
    this.location = `s3://${bucket}/${ACCESS_LOG_PREFIX}/AWSLogs/${account.accountId}/elasticloadbalancing/${props.region}/`;
  }
}
