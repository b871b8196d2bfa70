import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../naming";
import { HOST_METADATA_OPTIONS, hostAmi } from "./hosts";

export interface BastionArgs {
  /** App name: prefix of every child's name. */
  app: string;
  /** Stack name, for tags. */
  stack: string;
  /** The stack's own tags. */
  tags: Record<string, string>;
  /** A small instance type (t3.nano is plenty for SSH forwarding). */
  instanceType: string;
  /** A public subnet. */
  subnetId: pulumi.Input<string>;
  /** The bastion's security group (SSH in from the allowed CIDRs, out to the hosts only). */
  securityGroupId: pulumi.Input<string>;
  /** The key pair the hosts use (the deployer's key reaches both). */
  keyName: pulumi.Input<string>;
}

/** The one SSH entry point into private hosts. No instance profile: it needs no AWS API. */
export class Bastion extends pulumi.ComponentResource {
  public readonly publicIp: pulumi.Output<string>;

  constructor(name: string, args: BastionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:bastion:Bastion", name, {}, opts);
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: hostAmi(args.instanceType, undefined, { parent: this }),
        instanceType: args.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [args.securityGroupId],
        associatePublicIpAddress: true,
        keyName: args.keyName,
        metadataOptions: HOST_METADATA_OPTIONS,
        rootBlockDevice: {
          volumeType: "gp3",
          volumeSize: 8,
          encrypted: true,
          deleteOnTermination: true,
        },
        tags: tagsFor(args, `${name}`),
      },
      { parent: this, ignoreChanges: ["ami"] },
    );
    this.publicIp = instance.publicIp;
    this.registerOutputs({ publicIp: this.publicIp });
  }
}
