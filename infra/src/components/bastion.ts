import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderBastionCloudConfig } from "../cloudConfig";
import { hostKeyReadPolicy } from "../hostKeys";
import { tagsFor } from "../naming";
import { EC2_ASSUME_ROLE_POLICY, HOST_METADATA_OPTIONS, MachineHostKey, hostAmi } from "./hosts";

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
  /** The stack's region (where the bastion fetches its host key). */
  region: string;
  /** infra/host/install-host-key, run by cloud-init at first boot. */
  installHostKeyScript: string;
}

/**
 * The one SSH entry point into private hosts. Its instance role may do one thing: read the
 * bastion's own SSH host key parameter at first boot, so every connection through it is pinned.
 */
export class Bastion extends pulumi.ComponentResource {
  public readonly publicIp: pulumi.Output<string>;
  /** The bastion's SSH public key line, generated before it exists: what connections pin. */
  public readonly hostKey: pulumi.Output<string>;

  constructor(name: string, args: BastionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:bastion:Bastion", name, {}, opts);
    const parent = { parent: this };
    const hostKey = new MachineHostKey(
      `${name}-host-key`,
      { app: args.app, stack: args.stack, tags: args.tags, machine: "bastion" },
      parent,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `berth bastion of ${args.app}/${args.stack}: reads its own SSH host key only`,
        assumeRolePolicy: EC2_ASSUME_ROLE_POLICY,
        tags: tagsFor(args, `${name}-role`),
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-host-key`,
      { role: role.name, policy: hostKey.parameterArn.apply((arn) => hostKeyReadPolicy([arn])) },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name, tags: tagsFor(args, `${name}-profile`) },
      parent,
    );
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: hostAmi(args.instanceType, undefined, { parent: this }),
        instanceType: args.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [args.securityGroupId],
        associatePublicIpAddress: true,
        keyName: args.keyName,
        iamInstanceProfile: profile.name,
        userData: renderBastionCloudConfig({
          app: args.app,
          stack: args.stack,
          hostKey: {
            parameterName: hostKey.parameterName,
            region: args.region,
            script: args.installHostKeyScript,
          },
        }),
        userDataReplaceOnChange: false,
        metadataOptions: HOST_METADATA_OPTIONS,
        rootBlockDevice: {
          volumeType: "gp3",
          volumeSize: 8,
          encrypted: true,
          deleteOnTermination: true,
        },
        tags: tagsFor(args, `${name}`),
      },
      {
        parent: this,
        // As for the hosts: an existing bastion keeps running on a later up (user data is read at
        // first boot only); replace it to give it the generated key.
        ignoreChanges: ["ami", "userData"],
        dependsOn: [hostKey.parameter, rolePolicy],
      },
    );
    this.publicIp = instance.publicIp;
    this.hostKey = hostKey.publicKey;
    this.registerOutputs({ publicIp: this.publicIp, hostKey: this.hostKey });
  }
}
