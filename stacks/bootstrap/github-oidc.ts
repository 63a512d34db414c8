import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { albLogBucketName, s3AccessLogBucketName } from "../log-bucket";
import { STATE_READ_ACTIONS, STATE_WRITE_ACTIONS } from "./state-key";

/** GitHub Actions' OIDC issuer, without the scheme: also the prefix of its IAM condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
/** The `sub` of a job that runs in GitHub environment `environment` of `repository` (owner/name). */
export const deploySubject = (repository: string, environment: string) => `repo:${repository}:environment:${environment}`;
/** The `sub` of a job triggered by a pull request in `repository` (owner/name). */
export const pullRequestSubject = (repository: string) => `repo:${repository}:pull_request`;

/**
 * Regional services the network and app stacks manage. The deploy role may call them in
 * the environment's region only, on any resource: what it creates there gets ids AWS
 * assigns, which no ARN can name before they exist (and many actions take no resource).
 */
export const DEPLOYED_SERVICES = ["ec2", "elasticloadbalancing", "ecs", "application-autoscaling", "cognito-idp", "acm", "wafv2", "logs"] as const;
/**
 * Read actions a plan's refresh needs, on the services the stacks use. No `s3:GetObject`
 * and no `logs:GetLogEvents`: the plan role reads configuration, not data.
 */
export const PLAN_READ_ACTIONS = [
  "acm:DescribeCertificate",
  "acm:GetCertificate",
  "acm:ListTagsForCertificate",
  "application-autoscaling:Describe*",
  "application-autoscaling:ListTagsForResource",
  "cognito-idp:DescribeUserPoolDomain",
  "ec2:Describe*",
  "ecr:DescribeImages",
  "ecr:DescribeRepositories",
  "ecr:GetLifecyclePolicy",
  "ecr:GetRepositoryPolicy",
  "ecr:ListImages",
  "ecr:ListTagsForResource",
  "ecs:Describe*",
  "ecs:List*",
  "elasticloadbalancing:Describe*",
  "iam:GetOpenIDConnectProvider",
  "iam:GetPolicy",
  "iam:GetPolicyVersion",
  "iam:ListOpenIDConnectProviders",
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListRolePolicies",
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListResourceTags",
  "logs:Describe*",
  "logs:ListTagsForResource",
  "logs:ListTagsLogGroup",
  "route53:GetChange",
  "route53:GetHostedZone",
  "route53:ListHostedZones",
  "route53:ListHostedZonesByName",
  "route53:ListResourceRecordSets",
  "route53:ListTagsForResource",
  "s3:GetAccelerateConfiguration",
  "s3:GetBucket*",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "wafv2:Get*",
  "wafv2:List*",
] as const;
/**
 * Cognito reads that would show an app client's secret: only on this environment's user
 * pool (by its `environment` tag, which every resource gets through the provider's
 * default tags), not on another environment's pool in the same account.
 */
export const PLAN_USER_POOL_READ_ACTIONS = ["cognito-idp:Describe*", "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:GetWebACLForResource", "cognito-idp:ListTagsForResource"] as const;

export interface GithubDeployRolesProps {
  /** `<project>-<environment>`: the roles' name prefix, and the prefix of what the deploy role may manage. */
  readonly namePrefix: string;
  /** The environment's name: its state keys start with `<name>/`. */
  readonly environment: string;
  readonly region: string;
  /** `owner/name` of the GitHub repository whose workflows assume the roles, spelled as GitHub spells it. */
  readonly repository: string;
  /** The GitHub environment whose jobs may deploy. */
  readonly githubEnvironment: string;
  /**
   * Create the account's GitHub OIDC provider here, or use the one another environment's
   * bootstrap created (an account has one provider per issuer).
   */
  readonly createOidcProvider: boolean;
  /** The environment's state bucket. */
  readonly stateBucket: S3Bucket;
  /** The state key of the bootstrap stack itself, which a deploy must not write. */
  readonly bootstrapStateKey: string;
  /** IAM roles the network and app stacks create (full names): the only roles the deploy role may change or pass. */
  readonly workloadRoleNames: readonly string[];
  /** The permissions boundary those roles must carry for the deploy role to create them or write their policies. */
  readonly workloadBoundaryArn: string;
  /**
   * The hosted zone the app's records go in.
   * @default - any hosted zone in the account (the zone is looked up by name)
   */
  readonly hostedZoneId?: string;
}

/**
 * GitHub Actions' way into one environment: the account's GitHub OIDC provider (created
 * or looked up), and two roles.
 * - `<prefix>-github-deploy`: trusted only by jobs that run in the environment's GitHub
 *   environment (whose protection rules, reviewers and branch policy, decide who gets
 *   there); it reads and writes this environment's state and manages its network and app
 *   stacks. It cannot change the bootstrap stack (this one) or its own roles.
 * - `<prefix>-github-plan`: trusted only by pull-request jobs; reads this environment's
 *   state and the configuration a refresh needs, writes nothing.
 * The state permissions come with the key (`grantState`), whose policy names the roles.
 */
export class GithubDeployRoles extends Construct {
  readonly deployRole: IamRole;
  readonly planRole: IamRole;
  /** ARN of the account's GitHub OIDC provider. */
  readonly providerArn: string;
  private readonly props: GithubDeployRolesProps;
  private readonly account: DataAwsCallerIdentity;
  private readonly partition: DataAwsPartition;

  constructor(scope: Construct, id: string, props: GithubDeployRolesProps) {
    super(scope, id);
    this.props = props;
    this.account = new DataAwsCallerIdentity(this, "account", {});
    this.partition = new DataAwsPartition(this, "partition", {});

    this.providerArn = props.createOidcProvider
      ? new IamOpenidConnectProvider(this, "provider", {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIdList: [GITHUB_OIDC_AUDIENCE],
          // Other environments in this account trust it too: deleting it would lock them out.
          lifecycle: { preventDestroy: true },
        }).arn
      : new DataAwsIamOpenidConnectProvider(this, "provider", { url: `https://${GITHUB_OIDC_HOST}` }).arn;

    const trustedBy = (name: string, subject: string) =>
      new DataAwsIamPolicyDocument(this, `${name}-trust`, {
        statement: [
          {
            effect: "Allow",
            actions: ["sts:AssumeRoleWithWebIdentity"],
            principals: [{ type: "Federated", identifiers: [this.providerArn] }],
            condition: [
              { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:aud`, values: [GITHUB_OIDC_AUDIENCE] },
              // One exact subject, no wildcard: StringEquals, not StringLike.
              { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:sub`, values: [subject] },
            ],
          },
        ],
      });
    this.deployRole = new IamRole(this, "deploy", {
      name: `${props.namePrefix}-github-deploy`,
      description: `GitHub Actions: deploys ${props.environment} from GitHub environment "${props.githubEnvironment}" of ${props.repository}`,
      assumeRolePolicy: trustedBy("deploy", deploySubject(props.repository, props.githubEnvironment)).json,
    });
    this.planRole = new IamRole(this, "plan", {
      name: `${props.namePrefix}-github-plan`,
      description: `GitHub Actions: plans ${props.environment} for pull requests of ${props.repository}, read-only`,
      assumeRolePolicy: trustedBy("plan", pullRequestSubject(props.repository)).json,
    });
  }

  /** Grants both roles their access to the state and everything else they need, with the state bucket's key. */
  grantState(key: KmsKey): void {
    const { props } = this;
    const partition = this.partition.partition;
    const accountId = this.account.accountId;
    const bucket = props.stateBucket.arn;
    const ownState = `${bucket}/${props.environment}/*`;
    const inRegion = [{ test: "StringEquals", variable: "aws:RequestedRegion", values: [props.region] }];
    const roleArn = (name: string) => `arn:${partition}:iam::${accountId}:role/${name}`;
    const zone = `arn:${partition}:route53:::hostedzone/${props.hostedZoneId ?? "*"}`;
    const albLogBucket = `arn:${partition}:s3:::${albLogBucketName(props.namePrefix, accountId)}`;
    const s3LogBucket = `arn:${partition}:s3:::${s3AccessLogBucketName(props.namePrefix, accountId)}`;

    const stateRead: DataAwsIamPolicyDocumentStatement[] = [
      // Key names only; the bucket is this environment's alone (no two environments share one).
      { sid: "ListState", actions: ["s3:ListBucket"], resources: [bucket] },
      { sid: "ReadOwnState", actions: ["s3:GetObject"], resources: [ownState] },
    ];

    const plan = new DataAwsIamPolicyDocument(this, "plan-policy", {
      statement: [
        ...stateRead,
        { sid: "DecryptState", actions: [...STATE_READ_ACTIONS], resources: [key.arn] },
        { sid: "ReadConfiguration", actions: [...PLAN_READ_ACTIONS], resources: ["*"] },
        // A refresh of a bucket asks whether it exists (HeadBucket), which takes s3:ListBucket: log key names, no logs.
        { sid: "FindOwnLogBuckets", actions: ["s3:ListBucket"], resources: [albLogBucket, s3LogBucket] },
        {
          sid: "ReadOwnUserPool",
          actions: [...PLAN_USER_POOL_READ_ACTIONS],
          resources: [`arn:${partition}:cognito-idp:${props.region}:${accountId}:userpool/*`],
          condition: [{ test: "StringEquals", variable: "aws:ResourceTag/environment", values: [props.environment] }],
        },
      ],
    });
    new IamRolePolicy(this, "plan-permissions", { role: this.planRole.id, name: "read-state-and-configuration", policy: plan.json });

    const deploy = new DataAwsIamPolicyDocument(this, "deploy-policy", {
      statement: [
        ...stateRead,
        // Lock files (use_lockfile) are written and deleted next to each state file.
        { sid: "WriteOwnState", actions: ["s3:PutObject", "s3:DeleteObject"], resources: [ownState] },
        // The bootstrap stack grants these very roles: only an administrator applies it.
        {
          sid: "NotTheBootstrapState",
          effect: "Deny",
          actions: ["s3:PutObject", "s3:DeleteObject"],
          resources: [`${bucket}/${props.bootstrapStateKey}*`],
        },
        { sid: "EncryptState", actions: [...STATE_WRITE_ACTIONS], resources: [key.arn] },
        { sid: "ManageRegionalServices", actions: DEPLOYED_SERVICES.map((s) => `${s}:*`), resources: ["*"], condition: inRegion },
        {
          sid: "ManageAppRepository",
          actions: ["ecr:*"],
          resources: [`arn:${partition}:ecr:${props.region}:${accountId}:repository/${props.namePrefix}`],
        },
        // Registry login and the repository list (the image lookup) name no repository.
        { sid: "EcrLoginAndList", actions: ["ecr:GetAuthorizationToken", "ecr:DescribeRepositories"], resources: ["*"], condition: inRegion },
        { sid: "ManageAlbLogBucket", actions: ["s3:*"], resources: [albLogBucket, `${albLogBucket}/*`] },
        {
          // Only with the workload boundary on the role: whatever inline policy a deploy
          // writes, the role can do no more than the boundary (pull images, write logs).
          sid: "WriteWorkloadRolesWithinTheBoundary",
          actions: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"],
          resources: props.workloadRoleNames.map(roleArn),
          condition: [{ test: "StringEquals", variable: "iam:PermissionsBoundary", values: [props.workloadBoundaryArn] }],
        },
        {
          sid: "ManageWorkloadRoles",
          actions: [
            "iam:DeleteRole",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:ListRolePolicies",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
          ],
          resources: props.workloadRoleNames.map(roleArn),
        },
        {
          sid: "PassWorkloadRoles",
          actions: ["iam:PassRole"],
          resources: props.workloadRoleNames.map(roleArn),
          condition: [{ test: "StringEquals", variable: "iam:PassedToService", values: ["ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com"] }],
        },
        {
          // ECS, the load balancer and autoscaling each create their service-linked role on first use in an account.
          sid: "ServiceLinkedRoles",
          actions: ["iam:CreateServiceLinkedRole"],
          resources: [`arn:${partition}:iam::${accountId}:role/aws-service-role/*`],
          condition: [
            {
              test: "StringEquals",
              variable: "iam:AWSServiceName",
              values: ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"],
            },
          ],
        },
        { sid: "AppRecords", actions: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone", "route53:ListTagsForResource"], resources: [zone] },
        { sid: "WaitForRecordChanges", actions: ["route53:GetChange"], resources: [`arn:${partition}:route53:::change/*`] },
        // The zone lookup by name; listing names no zone.
        { sid: "FindZone", actions: ["route53:ListHostedZones", "route53:ListHostedZonesByName"], resources: ["*"] },
      ],
    });
    new IamRolePolicy(this, "deploy-permissions", { role: this.deployRole.id, name: "deploy-network-and-app", policy: deploy.json });
  }
}
