import { addressOf, buildEnvironment, only, resourcesOf, synthJson } from "../helpers/synth";

describe("network stack", () => {
  const json = synthJson(buildEnvironment({ network: {} }).network);

  it("creates a VPC with the configured CIDR and DNS support", () => {
    expect(only(json, "aws_vpc")).toMatchObject({ cidr_block: "10.0.0.0/16", enable_dns_hostnames: true, enable_dns_support: true });
  });

  it("spreads a public and a private subnet over each of 2 AZs", () => {
    const subnets = resourcesOf(json, "aws_subnet");
    expect(subnets).toHaveLength(4);
    const cidrs = subnets.map((s) => s.cidr_block);
    expect(cidrs).toEqual(expect.arrayContaining(["${cidrsubnet(\"10.0.0.0/16\", 4, 0)}", "${cidrsubnet(\"10.0.0.0/16\", 4, 8)}"]));
    const azs = subnets.map((s) => s.availability_zone);
    expect(new Set(azs).size).toBe(2);
    expect(subnets.every((s) => s.map_public_ip_on_launch !== true)).toBe(true);
  });

  it("routes public subnets to an internet gateway and private subnets through a NAT gateway per AZ", () => {
    expect(resourcesOf(json, "aws_internet_gateway")).toHaveLength(1);
    expect(resourcesOf(json, "aws_nat_gateway")).toHaveLength(2);
    const routes = resourcesOf(json, "aws_route");
    expect(routes.filter((r) => String(r.gateway_id).includes("aws_internet_gateway"))).toHaveLength(1);
    const natTargets = routes.map((r) => r.nat_gateway_id).filter(Boolean);
    expect(new Set(natTargets).size).toBe(2);
    expect(resourcesOf(json, "aws_route_table_association")).toHaveLength(4);
  });

  it("shares one NAT gateway when singleNatGateway is set", () => {
    const single = synthJson(buildEnvironment({ network: { singleNatGateway: true } }).network);
    expect(resourcesOf(single, "aws_nat_gateway")).toHaveLength(1);
    const natTargets = resourcesOf(single, "aws_route").map((r) => r.nat_gateway_id).filter(Boolean);
    expect(natTargets).toHaveLength(2);
    expect(new Set(natTargets).size).toBe(1);
  });

  it("spans azCount AZs", () => {
    const three = synthJson(buildEnvironment({ network: { azCount: 3 } }).network);
    expect(resourcesOf(three, "aws_subnet")).toHaveLength(6);
    expect(resourcesOf(three, "aws_nat_gateway")).toHaveLength(3);
  });

  it("adds IPv6 to the VPC and subnets, with IPv6 default routes, when dual-stack", () => {
    const dual = synthJson(buildEnvironment({ network: { dualStack: true } }).network);
    expect(only(dual, "aws_vpc").assign_generated_ipv6_cidr_block).toBe(true);
    for (const subnet of resourcesOf(dual, "aws_subnet")) {
      expect(subnet.ipv6_cidr_block).toMatch(/cidrsubnet\(aws_vpc\.\w+\.ipv6_cidr_block, 8, \d+\)/);
      expect(subnet.assign_ipv6_address_on_creation).toBe(true);
    }
    expect(resourcesOf(dual, "aws_egress_only_internet_gateway")).toHaveLength(1);
    expect(resourcesOf(dual, "aws_route").filter((r) => r.destination_ipv6_cidr_block === "::/0")).toHaveLength(3);
    expect(resourcesOf(json, "aws_route").filter((r) => r.destination_ipv6_cidr_block)).toHaveLength(0);
  });

  it("empties the VPC's default security group", () => {
    const sg = only(json, "aws_default_security_group");
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });
});

describe("VPC flow logs", () => {
  it("sends all of the VPC's traffic records to a log group with retention, through a role only flow logs of this account may assume", () => {
    const json = synthJson(buildEnvironment().network);
    expect(only(json, "aws_flow_log")).toMatchObject({
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      vpc_id: expect.stringContaining("aws_vpc."),
      log_destination: expect.stringContaining("aws_cloudwatch_log_group."),
    });
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({ name: "/vpc/whoami-example/flow-logs", retention_in_days: 30 });
    const trust = Object.values(json.data?.aws_iam_policy_document ?? {}).find((d) => JSON.stringify(d).includes("vpc-flow-logs.amazonaws.com"));
    expect(JSON.stringify(trust)).toContain("aws:SourceAccount");
  });

  it("turns the flow log on only after its role may write (the role alone cannot)", () => {
    const json = synthJson(buildEnvironment().network);
    expect(only(json, "aws_flow_log").depends_on).toEqual([addressOf(json, "aws_iam_role_policy", "flow-logs/role-policy")]);
  });

  it("can be turned off", () => {
    const json = synthJson(buildEnvironment({ network: { flowLogs: false } }).network);
    expect(resourcesOf(json, "aws_flow_log")).toHaveLength(0);
    expect(resourcesOf(json, "aws_cloudwatch_log_group")).toHaveLength(0);
  });
});

describe("availability zones", () => {
  it("by default takes the first azCount zones a data source finds available at plan time", () => {
    const json = synthJson(buildEnvironment().network);
    expect(Object.keys(json.data?.aws_availability_zones ?? {})).toHaveLength(1);
    const zones = resourcesOf(json, "aws_subnet").map((s) => s.availability_zone);
    expect(zones).toEqual(expect.arrayContaining(["${element(data.aws_availability_zones.azs.names, 0)}", "${element(data.aws_availability_zones.azs.names, 1)}"]));
  });

  it("pins subnets to zone ids without any lookup, so an impaired zone never shifts them", () => {
    const json = synthJson(buildEnvironment({ network: { availabilityZones: ["euc1-az3", "euc1-az1"] } }).network);
    expect(json.data?.aws_availability_zones).toBeUndefined();
    const subnets = resourcesOf(json, "aws_subnet");
    expect(subnets.every((s) => s.availability_zone === undefined)).toBe(true);
    expect(subnets.map((s) => [s.availability_zone_id, s.cidr_block])).toEqual(
      expect.arrayContaining([
        ["euc1-az3", '${cidrsubnet("10.0.0.0/16", 4, 0)}'],
        ["euc1-az1", '${cidrsubnet("10.0.0.0/16", 4, 1)}'],
        ["euc1-az3", '${cidrsubnet("10.0.0.0/16", 4, 8)}'],
        ["euc1-az1", '${cidrsubnet("10.0.0.0/16", 4, 9)}'],
      ]),
    );
  });

  it("pins subnets to zone names too", () => {
    const json = synthJson(buildEnvironment({ network: { availabilityZones: ["eu-central-1b", "eu-central-1c"] } }).network);
    expect(new Set(resourcesOf(json, "aws_subnet").map((s) => s.availability_zone))).toEqual(new Set(["eu-central-1b", "eu-central-1c"]));
  });
});
