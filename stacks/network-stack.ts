import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { EgressOnlyInternetGateway } from "@cdktf/provider-aws/lib/egress-only-internet-gateway";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { ReadableStack } from "./addresses";
import { awsProvider, remoteState } from "./backend";
import { namePrefix, resourceName, WORKLOAD_BOUNDARY_PART } from "./naming";
import { FlowLogs } from "./network/flow-logs";
import { ResolvedConfig } from "./schema";

export interface NetworkStackProps {
  readonly config: ResolvedConfig;
}

/** Where a subnet goes: a zone name, or a zone id (the same physical zone in every account). */
type AvailabilityZone = { availabilityZone: string } | { availabilityZoneId: string };

/** Subnet numbers inside the VPC block: public from 0, private from 8. */
const PRIVATE_NETNUM_OFFSET = 8;

/**
 * VPC over `azCount` AZs: public subnets (ALB, NAT gateways) routed to an internet
 * gateway, private subnets (tasks) routed through a NAT gateway per AZ, or one
 * shared NAT gateway when `singleNatGateway` is set.
 */
export class NetworkStack extends ReadableStack {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[] = [];
  readonly privateSubnets: Subnet[] = [];

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id);
    const { config } = props;
    const { cidr, azCount, singleNatGateway, dualStack, flowLogs, flowLogRetentionDays } = config.network;
    const name = (part: string) => resourceName(config.name, part);
    remoteState(this, config, id);
    awsProvider(this, config);

    const zoneOf = this.availabilityZones(config.region, config.network.availabilityZones);

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      assignGeneratedIpv6CidrBlock: dualStack,
      tags: { Name: name("vpc") },
    });
    if (flowLogs) {
      new FlowLogs(this, "flow-logs", {
        vpcId: this.vpc.id,
        logGroupName: `/vpc/${namePrefix(config.name)}/flow-logs`,
        roleName: name("vpc-flow-logs"),
        permissionsBoundaryName: name(WORKLOAD_BOUNDARY_PART),
        retentionInDays: flowLogRetentionDays,
      });
    }
    // The default security group allows all traffic between its members: empty it.
    new DefaultSecurityGroup(this, "default-sg", { vpcId: this.vpc.id, tags: { Name: name("default-closed") } });

    const igw = new InternetGateway(this, "igw", { vpcId: this.vpc.id, tags: { Name: name("igw") } });
    const publicRoutes = new RouteTable(this, "public-rt", { vpcId: this.vpc.id, tags: { Name: name("public") } });
    new Route(this, "public-default", { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
    const eigw = dualStack ? new EgressOnlyInternetGateway(this, "eigw", { vpcId: this.vpc.id, tags: { Name: name("eigw") } }) : undefined;
    if (dualStack) {
      new Route(this, "public-default-ipv6", { routeTableId: publicRoutes.id, destinationIpv6CidrBlock: "::/0", gatewayId: igw.id });
    }

    const ipv6 = (netnum: number) =>
      dualStack ? { ipv6CidrBlock: Fn.cidrsubnet(this.vpc.ipv6CidrBlock, 8, netnum), assignIpv6AddressOnCreation: true } : {};

    const natGateways: NatGateway[] = [];
    for (let i = 0; i < azCount; i++) {
      const az = zoneOf(i);
      const pub = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        ...az,
        cidrBlock: Fn.cidrsubnet(cidr, 4, i),
        // The ALB gets its addresses explicitly; nothing else here wants a public IP.
        mapPublicIpOnLaunch: false,
        ...ipv6(i),
        tags: { Name: name(`public-${i}`), tier: "public" },
      });
      new RouteTableAssociation(this, `public-${i}-rt`, { subnetId: pub.id, routeTableId: publicRoutes.id });
      this.publicSubnets.push(pub);

      if (i === 0 || !singleNatGateway) {
        const eip = new Eip(this, `nat-${i}-eip`, { domain: "vpc", tags: { Name: name(`nat-${i}`) } });
        natGateways.push(
          new NatGateway(this, `nat-${i}`, {
            allocationId: eip.id,
            subnetId: pub.id,
            tags: { Name: name(`nat-${i}`) },
            dependsOn: [igw],
          }),
        );
      }

      const priv = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        ...az,
        cidrBlock: Fn.cidrsubnet(cidr, 4, PRIVATE_NETNUM_OFFSET + i),
        ...ipv6(PRIVATE_NETNUM_OFFSET + i),
        tags: { Name: name(`private-${i}`), tier: "private" },
      });
      const privateRoutes = new RouteTable(this, `private-${i}-rt`, { vpcId: this.vpc.id, tags: { Name: name(`private-${i}`) } });
      new Route(this, `private-${i}-default`, {
        routeTableId: privateRoutes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natGateways[singleNatGateway ? 0 : i].id,
      });
      if (eigw) {
        new Route(this, `private-${i}-default-ipv6`, {
          routeTableId: privateRoutes.id,
          destinationIpv6CidrBlock: "::/0",
          egressOnlyGatewayId: eigw.id,
        });
      }
      new RouteTableAssociation(this, `private-${i}-rta`, { subnetId: priv.id, routeTableId: privateRoutes.id });
      this.privateSubnets.push(priv);
    }
  }

  /**
   * The zone of subnet pair `i`: pinned by name or zone id when the environment lists
   * zones, else the i-th zone a data source finds available at plan time (which shifts
   * when a zone is impaired, and with it every subnet after it).
   */
  private availabilityZones(region: string, pinned: readonly string[]): (i: number) => AvailabilityZone {
    if (pinned.length > 0) {
      return (i) => (pinned[i].startsWith(region) ? { availabilityZone: pinned[i] } : { availabilityZoneId: pinned[i] });
    }
    const azs = new DataAwsAvailabilityZones(this, "azs", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    return (i) => ({ availabilityZone: Fn.element(azs.names, i) });
  }
}
