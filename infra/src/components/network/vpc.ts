import * as aws from "@pulumi/aws";
import { NetworkScope } from "./scope";

export interface VpcArgs {
  /** The region's address block for the VPC, e.g. 10.0.0.0/16. */
  cidrBlock: string;
}

/** The VPC itself. */
export function createVpc(scope: NetworkScope, args: VpcArgs): aws.ec2.Vpc {
  return new aws.ec2.Vpc(
    `${scope.name}-vpc`,
    {
      cidrBlock: args.cidrBlock,
      // Interface endpoints with private DNS need both.
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: scope.tags("vpc"),
    },
    { parent: scope.parent },
  );
}
