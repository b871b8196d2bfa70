import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NetworkArgs } from "./index";
import { NetworkScope } from "./scope";

export interface RoutingArgs {
  /** The VPC the gateways and route tables belong to. */
  vpcId: pulumi.Input<string>;
  /** Zones, in order, matching the subnets. */
  zones: string[];
  /** One per zone, in zone order; routed to the internet gateway (NAT gateways sit here). */
  publicSubnets: aws.ec2.Subnet[];
  /** One per zone, in zone order; undefined in a public layout (nothing private to route). */
  privateSubnets: aws.ec2.Subnet[] | undefined;
  /** How the private subnets reach out: through NAT gateways, or not at all (`endpoints`). */
  egress: NetworkArgs["egress"];
}

export interface Routing {
  /** The private subnets' route tables (one, or one per zone with `nat-per-zone`); empty in a public layout. */
  privateRouteTables: aws.ec2.RouteTable[];
  /** Everything the hosts' route out depends on: gateways, route tables, every association. */
  egress: pulumi.Resource[];
}

/** The internet gateway, NAT gateways, route tables and each subnet's association. */
export function createRouting(scope: NetworkScope, args: RoutingArgs): Routing {
  const parent = { parent: scope.parent };
  const igw = new aws.ec2.InternetGateway(
    `${scope.name}-igw`,
    { vpcId: args.vpcId, tags: scope.tags("igw") },
    parent,
  );
  const publicRoutes = new aws.ec2.RouteTable(
    `${scope.name}-public`,
    {
      vpcId: args.vpcId,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
      tags: scope.tags("public"),
    },
    parent,
  );
  const egress: pulumi.Resource[] = [
    igw,
    publicRoutes,
    ...associate(scope, "public", args.zones, args.publicSubnets, [publicRoutes]),
  ];
  if (!args.privateSubnets) return { privateRouteTables: [], egress };

  const nats = createNatGateways(scope, args, igw);
  const natIds = nats.map((nat) => nat.id);
  const routeTableCount = args.egress === "nat-per-zone" ? args.zones.length : 1;
  const privateRouteTables = Array.from({ length: routeTableCount }, (_, i) => {
    const label = routeTableCount === 1 ? "private" : `private-${args.zones[i]}`;
    const natId = natIds[i];
    return new aws.ec2.RouteTable(
      `${scope.name}-${label}`,
      {
        vpcId: args.vpcId,
        routes: natId ? [{ cidrBlock: "0.0.0.0/0", natGatewayId: natId }] : [],
        tags: scope.tags(label),
      },
      parent,
    );
  });
  egress.push(
    ...nats,
    ...privateRouteTables,
    ...associate(scope, "private", args.zones, args.privateSubnets, privateRouteTables),
  );
  return { privateRouteTables, egress };
}

/** NAT gateways with their Elastic IPs in the first zones' public subnets: one, one per zone, or none. */
function createNatGateways(
  scope: NetworkScope,
  args: RoutingArgs,
  igw: aws.ec2.InternetGateway,
): aws.ec2.NatGateway[] {
  const natCount =
    args.egress === "nat-per-zone" ? args.zones.length : args.egress === "single-nat" ? 1 : 0;
  return Array.from({ length: natCount }, (_, i) => {
    const zone = args.zones[i] as string;
    const eip = new aws.ec2.Eip(
      `${scope.name}-nat-${zone}`,
      { domain: "vpc", tags: scope.tags(`nat-${zone}`) },
      { parent: scope.parent },
    );
    const nat = new aws.ec2.NatGateway(
      `${scope.name}-nat-${zone}`,
      {
        allocationId: eip.id,
        subnetId: args.publicSubnets[i]!.id,
        tags: scope.tags(`nat-${zone}`),
      },
      { parent: scope.parent, dependsOn: [igw] },
    );
    return nat;
  });
}

/** Subnet i uses route table i, or the last one when there are fewer tables than subnets. */
function associate(
  scope: NetworkScope,
  tier: "public" | "private",
  zones: string[],
  subnets: aws.ec2.Subnet[],
  routeTables: aws.ec2.RouteTable[],
): aws.ec2.RouteTableAssociation[] {
  return subnets.map((subnet, i) => {
    return new aws.ec2.RouteTableAssociation(
      `${scope.name}-${tier}-${zones[i]}`,
      {
        subnetId: subnet.id,
        routeTableId: routeTables[Math.min(i, routeTables.length - 1)]!.id,
      },
      { parent: scope.parent },
    );
  });
}
