import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";

/** What the workload roles together may ever do: pull an image, write their logs. */
export const WORKLOAD_BOUNDARY_ACTIONS = {
  login: ["ecr:GetAuthorizationToken"],
  pull: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
  writeLogs: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
  findLogGroups: ["logs:DescribeLogGroups"],
} as const;

export interface WorkloadBoundaryProps {
  /** The managed policy's name: `<project>-<env>-workload-boundary`. */
  readonly name: string;
  readonly region: string;
}

/**
 * The permissions boundary of the roles the network and app stacks create (task execution,
 * task, VPC flow logs). A deploy may write any inline policy on them (the GitHub deploy
 * role may create and change them only with this boundary attached), and they still can do
 * no more than pull an image (from any repository: `image.prebuiltUri` may name another
 * account's) and write logs in this account and region. Giving the app more means changing
 * this policy, in the bootstrap stack, which only an administrator applies.
 */
export class WorkloadBoundary extends Construct {
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: WorkloadBoundaryProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account", {});
    const partition = new DataAwsPartition(this, "partition", {});
    const logGroups = `arn:${partition.partition}:logs:${props.region}:${account.accountId}:log-group:*`;
    const document = new DataAwsIamPolicyDocument(this, "document", {
      statement: [
        // The registry login names no repository.
        { sid: "EcrLogin", actions: [...WORKLOAD_BOUNDARY_ACTIONS.login], resources: ["*"] },
        { sid: "PullImages", actions: [...WORKLOAD_BOUNDARY_ACTIONS.pull], resources: [`arn:${partition.partition}:ecr:*:*:repository/*`] },
        { sid: "WriteLogs", actions: [...WORKLOAD_BOUNDARY_ACTIONS.writeLogs], resources: [logGroups] },
        { sid: "FindLogGroups", actions: [...WORKLOAD_BOUNDARY_ACTIONS.findLogGroups], resources: ["*"] },
      ],
    });
    this.policy = new IamPolicy(this, "policy", {
      name: props.name,
      description: "Permissions boundary of the roles the network and app stacks create",
      policy: document.json,
    });
  }
}
