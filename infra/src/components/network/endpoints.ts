import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NetworkScope } from "./scope";

export interface VpcEndpointsArgs {
  /** The AWS region (endpoint service names). */
  region: string;
  /** The VPC the endpoints belong to. */
  vpcId: pulumi.Input<string>;
  /** The private subnets' route tables: the S3 gateway endpoint adds its route to each. */
  routeTableIds: pulumi.Input<string>[];
  /**
   * The ECR and SSM interface endpoints (egress `endpoints`: the hosts have no internet at all): the
   * subnets they get a network interface in and their security group. undefined: none.
   */
  ecr: { subnetIds: pulumi.Input<string>[]; securityGroupId: pulumi.Input<string> } | undefined;
  /** With `ecr`: CloudWatch's `monitoring` endpoint too, for the CloudWatch agent's metrics. */
  monitoring?: boolean;
  /** With `ecr`: CloudWatch Logs' `logs` endpoint too, for docker's awslogs driver. */
  logs?: boolean;
}

/**
 * The free S3 gateway endpoint of a private layout (image layers and the Amazon Linux
 * repositories; it also keeps layer pulls off the NAT), and with `ecr` the ECR interface endpoints
 * and SSM's (where the hosts fetch their SSH host keys at first boot).
 */
export function createVpcEndpoints(
  scope: NetworkScope,
  args: VpcEndpointsArgs,
): aws.ec2.VpcEndpoint[] {
  const parent = { parent: scope.parent };
  const s3 = new aws.ec2.VpcEndpoint(
    `${scope.name}-s3`,
    {
      vpcId: args.vpcId,
      serviceName: `com.amazonaws.${args.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: args.routeTableIds,
      tags: scope.tags("s3"),
    },
    parent,
  );
  if (!args.ecr) return [s3];
  const ecr = args.ecr;
  return [
    s3,
    // ssm: the hosts fetch their SSH host key (hostKeys.ts) at first boot.
    // monitoring: the CloudWatch agent's PutMetricData (berth:alarms); logs: the app's containers
    // (berth:appLogs).
    ...[
      "ecr.api",
      "ecr.dkr",
      "ssm",
      ...(args.monitoring ? ["monitoring"] : []),
      ...(args.logs ? ["logs"] : []),
    ].map((service) => {
      return new aws.ec2.VpcEndpoint(
        `${scope.name}-${service.replace(".", "-")}`,
        {
          vpcId: args.vpcId,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: ecr.subnetIds,
          securityGroupIds: [ecr.securityGroupId],
          tags: scope.tags(service.replace(".", "-")),
        },
        parent,
      );
    }),
  ];
}
