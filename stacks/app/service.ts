import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";

export interface FargateServiceProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly image: string;
  /** ECR repositories the execution role may pull from. */
  readonly pullRepositoryArns: string[];
  readonly cpu: number;
  readonly memory: number;
  readonly desiredCount: number;
  /** Above desiredCount: CPU target tracking between the two. @default - desiredCount */
  readonly maxCount?: number;
  readonly containerPort: number;
  readonly logRetentionDays: number;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly targetGroupArn: string;
  /** Name of the managed policy (created by the bootstrap stack) that bounds both roles. */
  readonly permissionsBoundaryName: string;
  /** Environment of the app container. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * The service waits for these: the listener rules that attach the target group (ECS
   * rejects a target group no listener uses) and the security-group rules (a task that
   * starts before its egress rule cannot pull its image or fetch the ALB's keys).
   */
  readonly dependsOn: ITerraformDependable[];
}

/** Name of the container in the task, referenced by the service's load balancer block. */
const CONTAINER = "app";
/** Seconds ECS waits after SIGTERM before SIGKILL; the app drains within this. */
const STOP_TIMEOUT = 30;
/** Average CPU the autoscaling policy keeps the service at (percent). */
const CPU_TARGET = 60;

/** ECS cluster, logs, IAM roles, task definition and service for the app. */
export class FargateService extends Construct {
  readonly cluster: EcsCluster;
  readonly service: EcsService;
  readonly taskDefinition: EcsTaskDefinition;
  readonly logGroup: CloudwatchLogGroup;
  /** The role ECS starts tasks with: pulls the image, writes logs. */
  readonly executionRole: IamRole;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const { namePrefix } = props;
    const maxCount = props.maxCount ?? props.desiredCount;
    const autoscaling = maxCount > props.desiredCount;

    this.cluster = new EcsCluster(this, "cluster", {
      name: namePrefix,
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/ecs/${namePrefix}`,
      retentionInDays: props.logRetentionDays,
    });

    // ECS assumes both roles on behalf of this account's tasks in this region only: the
    // conditions stop another account's ECS from being talked into using them (confused deputy).
    const account = new DataAwsCallerIdentity(this, "account", {});
    const partition = new DataAwsPartition(this, "partition", {});
    const assumeByEcsTasks = new DataAwsIamPolicyDocument(this, "assume-ecs-tasks", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }],
          condition: [
            { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:${partition.partition}:ecs:${props.region}:${account.accountId}:*`] },
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
          ],
        },
      ],
    });
    const permissionsBoundary = `arn:${partition.partition}:iam::${account.accountId}:policy/${props.permissionsBoundaryName}`;
    // Used by ECS itself to start the task: pull the image, write logs. Nothing else.
    this.executionRole = new IamRole(this, "execution-role", {
      name: `${namePrefix}-task-execution`,
      assumeRolePolicy: assumeByEcsTasks.json,
      permissionsBoundary,
    });
    const executionRole = this.executionRole;
    const executionPolicy = new DataAwsIamPolicyDocument(this, "execution-policy", {
      statement: [
        { sid: "EcrLogin", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
        {
          sid: "PullAppImage",
          actions: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          resources: props.pullRepositoryArns,
        },
        {
          sid: "WriteAppLogs",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:*`],
        },
      ],
    });
    const executionRolePolicy = new IamRolePolicy(this, "execution-role-policy", {
      role: executionRole.id,
      name: "pull-image-write-logs",
      policy: executionPolicy.json,
    });
    // The app's own identity. It calls no AWS API, so it is granted nothing.
    const taskRole = new IamRole(this, "task-role", {
      name: `${namePrefix}-task`,
      assumeRolePolicy: assumeByEcsTasks.json,
      permissionsBoundary,
    });

    this.taskDefinition = new EcsTaskDefinition(this, "task", {
      family: namePrefix,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memory),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify([
        {
          name: CONTAINER,
          image: props.image,
          essential: true,
          portMappings: [{ containerPort: props.containerPort, protocol: "tcp" }],
          environment: Object.entries(props.environment)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([name, value]) => ({ name, value })),
          readonlyRootFilesystem: true,
          stopTimeout: STOP_TIMEOUT,
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": this.logGroup.name,
              "awslogs-region": props.region,
              "awslogs-stream-prefix": CONTAINER,
            },
          },
        },
      ]),
      // The role is referenced by ARN, its policy is not: without this the first task can
      // start before ECS may pull the image or write logs.
      dependsOn: [executionRolePolicy],
    });

    this.service = new EcsService(this, "service", {
      name: namePrefix,
      cluster: this.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: props.desiredCount,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      networkConfiguration: {
        subnets: props.subnetIds,
        securityGroups: [props.securityGroupId],
        assignPublicIp: false,
      },
      loadBalancer: [{ targetGroupArn: props.targetGroupArn, containerName: CONTAINER, containerPort: props.containerPort }],
      // Time for the app to start before failed health checks count against it.
      healthCheckGracePeriodSeconds: 30,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      dependsOn: [...props.dependsOn, executionRolePolicy],
      // With autoscaling, ECS owns the task count; an apply must not reset it.
      lifecycle: autoscaling ? { ignoreChanges: ["desired_count"] } : undefined,
    });

    if (autoscaling) {
      const target = new AppautoscalingTarget(this, "scaling-target", {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: `service/${this.cluster.name}/${this.service.name}`,
        minCapacity: props.desiredCount,
        maxCapacity: maxCount,
      });
      new AppautoscalingPolicy(this, "scaling-cpu", {
        name: `${namePrefix}-cpu-${CPU_TARGET}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: CPU_TARGET,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      });
    }
  }
}
