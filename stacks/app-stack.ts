import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { ReadableStack } from "./addresses";
import { awsProvider, remoteState } from "./backend";
import { namePrefix, OAUTH_CALLBACK_PATH, resourceName, SESSION_COOKIE_NAME, WORKLOAD_BOUNDARY_PART } from "./naming";
import { ResolvedConfig } from "./schema";
import { NetworkStack } from "./network-stack";
import { DnsCertificate } from "./app/dns-certificate";
import { AlbAccessLogs } from "./app/access-logs";
import { AppImage } from "./app/image";
import { LoadBalancer } from "./app/load-balancer";
import { SecurityGroups } from "./app/security-groups";
import { FargateService } from "./app/service";
import { UserPool } from "./app/user-pool";
import { Authorization } from "./app/authorization";
import { ApiBearerRule } from "./app/api-bearer-rule";
import { WebFirewall } from "./app/waf";

export interface AppStackProps {
  readonly config: ResolvedConfig;
  /** Supplies the VPC and subnets (through terraform_remote_state). */
  readonly network: NetworkStack;
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
      alternativeNames: config.alternativeNames,
    });

    const userPool = new UserPool(this, "cognito", {
      name: prefix,
      region: config.region,
      appDomain: config.domainName,
      ...config.cognito,
      tokenValidity: config.session,
    });

    const authorization = new Authorization(this, "authorization", {
      namePrefix: prefix,
      userPoolId: userPool.pool.id,
      routes: config.authorization.routes,
      api: config.authorization.api,
      accessTokenMinutes: config.session.accessTokenMinutes,
    });

    const image = new AppImage(this, "image", {
      repositoryName: prefix,
      keepImages: config.image.keepImages,
      prebuiltUri: config.image.prebuiltUri,
      contentHash: props.containerHash,
      pushCommand: `npm run image -- ${config.name}`,
      forceDelete: config.allowDestroy,
    });

    const securityGroups = new SecurityGroups(this, "security-groups", {
      namePrefix: prefix,
      vpcId: network.vpc.id,
      containerPort,
      dualStack: config.network.dualStack,
    });

    const accessLogs = new AlbAccessLogs(this, "access-logs", {
      namePrefix: prefix,
      region: config.region,
      retentionDays: config.logs.accessLogRetentionDays,
      connectionLogs: config.logs.connectionLogs,
      forceDestroy: config.allowDestroy,
    });

    const lb = new LoadBalancer(this, "load-balancer", {
      albName: name("alb"),
      targetGroupName: name("app"),
      vpcId: network.vpc.id,
      publicSubnetIds: network.publicSubnets.map((s) => s.id),
      securityGroupId: securityGroups.alb.id,
      containerPort,
      domainName: config.domainName,
      alternativeNames: config.alternativeNames,
      zoneId: dns.zoneId,
      certificateArn: dns.validation.certificateArn,
      certificateReady: dns.validation,
      userPool,
      dualStack: config.network.dualStack,
      logs: { access: accessLogs.accessLogs, connection: accessLogs.connectionLogs, ready: accessLogs.logBucket.policy },
      deletionProtection: !config.allowDestroy,
      sessionTimeoutSeconds: config.session.lengthMinutes * 60,
    });

    const bearer = authorization.apiScope
      ? new ApiBearerRule(this, "api-bearer", {
          listenerArn: lb.httpsListener.arn,
          targetGroupArn: lb.targetGroup.arn,
          domainName: config.domainName,
          priority: 50,
          issuer: userPool.issuer,
          requiredScope: authorization.apiScope,
        })
      : undefined;

    if (config.waf.enabled) {
      new WebFirewall(this, "waf", {
        name: prefix,
        albArn: lb.alb.arn,
        userPoolArn: userPool.pool.arn,
        rateLimitPer5Min: config.waf.rateLimitPer5Min,
        signInRateLimitPer5Min: config.waf.signInRateLimitPer5Min,
        logRetentionDays: config.waf.logRetentionDays,
        callbackPath: OAUTH_CALLBACK_PATH,
      });
    }

    const service = new FargateService(this, "service", {
      namePrefix: prefix,
      region: config.region,
      image: image.uri,
      pullRepositoryArns: image.pullRepositoryArns,
      ...config.service,
      subnetIds: network.privateSubnets.map((s) => s.id),
      securityGroupId: securityGroups.task.id,
      targetGroupArn: lb.targetGroup.arn,
      permissionsBoundaryName: name(WORKLOAD_BOUNDARY_PART),
      // Exactly the settings container/src/config.ts reads.
      environment: {
        PORT: String(containerPort),
        AWS_REGION: config.region,
        ALB_ARN: lb.alb.arn,
        COGNITO_CLIENT_ID: userPool.client.id,
        COGNITO_ISSUER: userPool.issuer,
        LOGOUT_URL: userPool.logoutUrl,
        APP_ORIGIN: `https://${config.domainName}`,
        SESSION_TIMEOUT: String(config.session.lengthMinutes * 60),
        SESSION_COOKIE_NAME,
        ...(config.authorization.routes.length > 0 && { ROUTE_POLICY: JSON.stringify(config.authorization.routes) }),
        ...(authorization.apiScope && {
          API_CLIENT_IDS: authorization.machineClients.map((c) => c.id).join(","),
          API_SCOPE: authorization.apiScope,
        }),
      },
      dependsOn: [...lb.rules, ...(bearer ? [bearer.rule] : []), ...securityGroups.rules],
    });

    const outputs: Record<string, string> = {
      app_url: `https://${config.domainName}`,
      alb_dns_name: lb.alb.dnsName,
      user_pool_id: userPool.pool.id,
      user_pool_client_id: userPool.client.id,
      hosted_ui_domain: userPool.hostedUiDomain,
      // Where machine clients get a token (client credentials grant); see docs/authorization.md.
      token_endpoint: `https://${userPool.hostedUiDomain}/oauth2/token`,
      ecr_repository_url: image.repository.repositoryUrl,
      ecs_cluster_name: service.cluster.name,
      ecs_service_name: service.service.name,
      access_logs: accessLogs.location,
      image_uri: image.uri,
      // Grant this role pulls in another account's repository when image.prebuiltUri is there.
      task_execution_role_arn: service.executionRole.arn,
    };
    for (const [key, value] of Object.entries(outputs)) new TerraformOutput(this, key, { value });
  }
}
