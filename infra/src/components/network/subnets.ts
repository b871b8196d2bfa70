import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { planSubnets } from "../../cidr";
import { NetworkScope } from "./scope";

export interface SubnetsArgs {
  /** The VPC to carve the subnets from. */
  vpcId: pulumi.Input<string>;
  /** The VPC's address block; split by `planSubnets`. */
  vpcCidr: string;
  /** Zones, in order: one public (and with `private` one private) subnet each. */
  zones: string[];
  /** Whether the hosts get private subnets of their own (a private layout). */
  private: boolean;
}

export interface Subnets {
  /** One per zone, in zone order: the ALB, bastion and NAT gateways (and public hosts). */
  public: aws.ec2.Subnet[];
  /** One per zone, in zone order: the hosts in a private layout; undefined in a public one. */
  private: aws.ec2.Subnet[] | undefined;
}

/** The subnets of each tier, one per zone, at the blocks `planSubnets` gives them. */
export function createSubnets(scope: NetworkScope, args: SubnetsArgs): Subnets {
  const plan = planSubnets(args.vpcCidr, args.zones.length);
  const subnetsOf = (tier: "public" | "private", cidrBlocks: string[]) =>
    args.zones.map(
      (zone, i) =>
        new aws.ec2.Subnet(
          `${scope.name}-${tier}-${zone}`,
          {
            vpcId: args.vpcId,
            availabilityZone: zone,
            cidrBlock: cidrBlocks[i],
            // Instances ask for a public IP explicitly; nothing gets one by accident.
            mapPublicIpOnLaunch: false,
            tags: { ...scope.tags(`${tier}-${zone}`), "berth:tier": tier },
          },
          { parent: scope.parent },
        ),
    );
  return {
    public: subnetsOf("public", plan.public),
    private: args.private ? subnetsOf("private", plan.private) : undefined,
  };
}
