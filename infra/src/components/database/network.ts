import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { planDatabaseSubnets, POSTGRES_PORT } from "../../database/names";

/** What the database's network parts need from the component: names, parent and tags. */
export interface DatabaseScope {
  name: string;
  parent: pulumi.Resource;
  tags(suffix: string): Record<string, string>;
}

export interface DatabaseNetworkArgs {
  vpcId: pulumi.Input<string>;
  vpcCidr: string;
  /** Zones in order: one database subnet each (RDS needs two or more). */
  zones: string[];
  /** The hosts' security group: the only source of connections (besides the proxy). */
  hostSecurityGroupId: pulumi.Input<string>;
}

export interface DatabaseNetwork {
  subnets: aws.ec2.Subnet[];
  subnetGroup: aws.rds.SubnetGroup;
  securityGroup: aws.ec2.SecurityGroup;
}

/**
 * Isolated subnets of their own (a route table without routes: nothing in them reaches or is
 * reached from outside the VPC), in staging's public layout as in prod's private one; the DB
 * subnet group over them; and a security group that admits PostgreSQL from the hosts only.
 */
export function createDatabaseNetwork(
  scope: DatabaseScope,
  args: DatabaseNetworkArgs,
): DatabaseNetwork {
  const parent = { parent: scope.parent };
  const cidrs = planDatabaseSubnets(args.vpcCidr, args.zones.length);
  const routes = new aws.ec2.RouteTable(
    `${scope.name}-isolated`,
    { vpcId: args.vpcId, routes: [], tags: scope.tags("isolated") },
    parent,
  );
  const subnets = args.zones.map((zone, i) => {
    const subnet = new aws.ec2.Subnet(
      `${scope.name}-${zone}`,
      {
        vpcId: args.vpcId,
        availabilityZone: zone,
        cidrBlock: cidrs[i],
        mapPublicIpOnLaunch: false,
        tags: { ...scope.tags(zone), "berth:tier": "database" },
      },
      parent,
    );
    new aws.ec2.RouteTableAssociation(
      `${scope.name}-${zone}`,
      { subnetId: subnet.id, routeTableId: routes.id },
      parent,
    );
    return subnet;
  });
  const subnetGroup = new aws.rds.SubnetGroup(
    scope.name,
    {
      description: "berth database: isolated subnets, one per zone",
      subnetIds: subnets.map((s) => s.id),
      tags: scope.tags("subnets"),
    },
    parent,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    scope.name,
    {
      vpcId: args.vpcId,
      description: "Database: PostgreSQL from the hosts only",
      tags: scope.tags("sg"),
    },
    parent,
  );
  postgresIngress(scope, "in-hosts", securityGroup.id, args.hostSecurityGroupId, "hosts");
  return { subnets, subnetGroup, securityGroup };
}

/** One ingress rule: PostgreSQL's port from one security group. */
export function postgresIngress(
  scope: DatabaseScope,
  rule: string,
  securityGroupId: pulumi.Input<string>,
  sourceGroupId: pulumi.Input<string>,
  sourceLabel: string,
): aws.vpc.SecurityGroupIngressRule {
  return new aws.vpc.SecurityGroupIngressRule(
    `${scope.name}-${rule}`,
    {
      securityGroupId,
      description: `PostgreSQL from the ${sourceLabel} only`,
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: sourceGroupId,
      tags: scope.tags(rule),
    },
    { parent: scope.parent },
  );
}
