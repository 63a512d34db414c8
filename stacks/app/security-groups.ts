import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";

export interface SecurityGroupsProps {
  readonly namePrefix: string;
  readonly vpcId: string;
  /** Port the app listens on inside the task. */
  readonly containerPort: number;
  /** Open 80/443 on IPv6 too. @default false */
  readonly dualStack?: boolean;
}

/**
 * The ALB's and the task's security groups. The task accepts traffic from the
 * ALB only; the ALB reaches the task and, on 443, Cognito.
 */
export class SecurityGroups extends Construct {
  readonly alb: SecurityGroup;
  readonly task: SecurityGroup;
  /** Every ingress and egress rule: the service waits for them (tasks must reach ECR and the key endpoint). */
  readonly rules: Array<VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule> = [];

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const { vpcId, containerPort } = props;
    const anywhere = props.dualStack ? [{ cidrIpv4: "0.0.0.0/0" }, { cidrIpv6: "::/0" }] : [{ cidrIpv4: "0.0.0.0/0" }];

    this.alb = new SecurityGroup(this, "alb", {
      // A prefix, not a name: create_before_destroy needs the replacement to coexist.
      namePrefix: `${props.namePrefix}-alb-`,
      description: "Public HTTP and HTTPS to the load balancer",
      vpcId,
      lifecycle: { createBeforeDestroy: true },
    });
    this.task = new SecurityGroup(this, "task", {
      namePrefix: `${props.namePrefix}-task-`,
      description: "App tasks, reachable from the load balancer only",
      vpcId,
      lifecycle: { createBeforeDestroy: true },
    });

    for (const port of [80, 443]) {
      anywhere.forEach((source, i) => {
        this.rules.push(new VpcSecurityGroupIngressRule(this, `alb-in-${port}${i ? "-ipv6" : ""}`, {
          securityGroupId: this.alb.id,
          description: port === 80 ? "HTTP, redirected to HTTPS" : "HTTPS",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          ...source,
        }));
      });
    }
    this.rules.push(new VpcSecurityGroupEgressRule(this, "alb-out-task", {
      securityGroupId: this.alb.id,
      description: "Forward to the app tasks",
      ipProtocol: "tcp",
      fromPort: containerPort,
      toPort: containerPort,
      referencedSecurityGroupId: this.task.id,
    }));
    // Without this the ALB cannot reach Cognito's token endpoint and every login ends in HTTP 500.
    this.rules.push(new VpcSecurityGroupEgressRule(this, "alb-out-cognito", {
      securityGroupId: this.alb.id,
      description: "Cognito token and user info endpoints",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    }));

    this.rules.push(new VpcSecurityGroupIngressRule(this, "task-in-alb", {
      securityGroupId: this.task.id,
      description: "From the load balancer only",
      ipProtocol: "tcp",
      fromPort: containerPort,
      toPort: containerPort,
      referencedSecurityGroupId: this.alb.id,
    }));
    // Image pulls from ECR, logs to CloudWatch, and the ALB's public signing keys, all over HTTPS.
    this.rules.push(new VpcSecurityGroupEgressRule(this, "task-out-https", {
      securityGroupId: this.task.id,
      description: "ECR, CloudWatch Logs and ELB public keys",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    }));
  }
}
