import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { ReadableStack } from "./addresses";
import { awsProvider, remoteState } from "./backend";
import { namePrefix, resourceName, SESSION_COOKIE_NAME } from "./naming";
import { ResolvedConfig } from "./validate";
import { NetworkStack } from "./network-stack";
import { DnsCertificate } from "./app/dns-certificate";
import { AppImage } from "./app/image";
import { LoadBalancer } from "./app/load-balancer";
import { SecurityGroups } from "./app/security-groups";
import { FargateService } from "./app/service";
import { UserPool } from "./app/user-pool";

export interface AppStackProps {
  readonly config: ResolvedConfig;
  /** Supplies the VPC and subnets (through terraform_remote_state). */
  readonly network: NetworkStack;
  /** Docker build context of the app, relative to the stack's folder in cdktf.out/stacks/. */
  readonly containerContext: string;
  /** Hash of the app's source, the image tag. */
  readonly containerHash: string;
}

/**
 * Everything in front of and around the app: DNS and certificate, Cognito, the
 * image, security groups, the authenticating ALB and the Fargate service.
 */
export class AppStack extends ReadableStack {
  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id);
    const { config, network } = props;
    const name = (part: string) => resourceName(config.name, part);
    const prefix = namePrefix(config.name);
    const { containerPort } = config.service;
    remoteState(this, config, id);
    awsProvider(this, config);

    const dns = new DnsCertificate(this, "dns", {
      zoneName: config.hostedZone.name,
      zoneId: config.hostedZone.id,
      domainName: config.domainName,
    });

    const userPool = new UserPool(this, "cognito", {
      name: prefix,
      region: config.region,
      appDomain: config.domainName,
      ...config.cognito,
    });

    const image = new AppImage(this, "image", {
      repositoryName: prefix,
      keepImages: config.image.keepImages,
      prebuiltUri: config.image.prebuiltUri,
      context: props.containerContext,
      contentHash: props.containerHash,
    });

    const securityGroups = new SecurityGroups(this, "security-groups", {
      namePrefix: prefix,
      vpcId: network.vpc.id,
      containerPort,
      dualStack: config.network.dualStack,
    });

    const lb = new LoadBalancer(this, "load-balancer", {
      albName: name("alb"),
      targetGroupName: name("app"),
      vpcId: network.vpc.id,
      publicSubnetIds: network.publicSubnets.map((s) => s.id),
      securityGroupId: securityGroups.alb.id,
      containerPort,
      domainName: config.domainName,
      zoneId: dns.zoneId,
      certificateArn: dns.validation.certificateArn,
      certificateReady: dns.validation,
      userPool,
      dualStack: config.network.dualStack,
    });

    const service = new FargateService(this, "service", {
      namePrefix: prefix,
      region: config.region,
      image: image.uri,
      repositoryArn: image.repository.arn,
      ...config.service,
      subnetIds: network.privateSubnets.map((s) => s.id),
      securityGroupId: securityGroups.task.id,
      targetGroupArn: lb.targetGroup.arn,
      // Exactly the settings container/src/config.ts reads.
      environment: {
        PORT: String(containerPort),
        AWS_REGION: config.region,
        ALB_ARN: lb.alb.arn,
        COGNITO_CLIENT_ID: userPool.client.id,
        COGNITO_ISSUER: userPool.issuer,
        LOGOUT_URL: userPool.logoutUrl,
        SESSION_COOKIE_NAME,
      },
      dependsOn: lb.rules,
    });

    const outputs: Record<string, string> = {
      app_url: `https://${config.domainName}`,
      alb_dns_name: lb.alb.dnsName,
      user_pool_id: userPool.pool.id,
      user_pool_client_id: userPool.client.id,
      hosted_ui_domain: userPool.hostedUiDomain,
      ecr_repository_url: image.repository.repositoryUrl,
      ecs_cluster_name: service.cluster.name,
      ecs_service_name: service.service.name,
    };
    for (const [key, value] of Object.entries(outputs)) new TerraformOutput(this, key, { value });
  }
}
