import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";

export interface FlowLogsProps {
  readonly vpcId: string;
  /** Log group name. */
  readonly logGroupName: string;
  /** IAM role name for the flow log service. */
  readonly roleName: string;
  readonly retentionInDays: number;
  /** Name of the managed policy (created by the bootstrap stack) that bounds the role. */
  readonly permissionsBoundaryName: string;
}

/** VPC flow logs (accepted and rejected traffic) to a CloudWatch log group. */
export class FlowLogs extends Construct {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: FlowLogsProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, "logs", { name: props.logGroupName, retentionInDays: props.retentionInDays });

    const account = new DataAwsCallerIdentity(this, "account", {});
    const trust = new DataAwsIamPolicyDocument(this, "trust", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
          // Only flow logs of this account may use the role (confused deputy).
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
        },
      ],
    });
    const partition = new DataAwsPartition(this, "partition", {});
    const role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: trust.json,
      permissionsBoundary: `arn:${partition.partition}:iam::${account.accountId}:policy/${props.permissionsBoundaryName}`,
    });
    const write = new DataAwsIamPolicyDocument(this, "write", {
      statement: [
        {
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [`${this.logGroup.arn}:*`],
        },
        { actions: ["logs:DescribeLogGroups"], resources: ["*"] },
      ],
    });
    const rolePolicy = new IamRolePolicy(this, "role-policy", { role: role.id, name: "write-flow-logs", policy: write.json });

    new FlowLog(this, "flow-log", {
      vpcId: props.vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: this.logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 600,
      // The role exists before its policy does: without this, the first deliveries can fail
      // with access denied until the policy lands.
      dependsOn: [rolePolicy],
    });
  }
}
