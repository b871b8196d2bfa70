import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { hostAmi } from "../ami";
import { hostPullPolicy } from "../hostPolicy";
import { hostNames, tagsFor, zoneIndexFor } from "../naming";

/** The trust policy that lets EC2 (and nothing else) assume the host role. */
export const EC2_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

/** Instance metadata: IMDSv2 only, and one hop so containers cannot read the host role's keys. */
export const HOST_METADATA_OPTIONS = {
  httpEndpoint: "enabled",
  httpTokens: "required",
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: "disabled",
} as const;

export { hostAmi };

export interface HostsArgs {
  /** App name: prefix of every child's name. */
  app: string;
  /** Stack name, for tags. */
  stack: string;
  /** The stack's own tags. */
  tags: Record<string, string>;
  /** How many hosts. */
  count: number;
  /** EC2 instance type; a Graviton type gets the arm64 AMI. */
  instanceType: string;
  /** Size of the encrypted gp3 root volume. */
  rootVolumeGiB: number;
  /** A pinned AMI id; without it the latest Amazon Linux 2023 at creation time (then kept). */
  ami?: string;
  /** Zones, in order; host i goes to zone i mod zones. */
  availabilityZones: string[];
  /** One subnet per zone, same order. */
  subnetIds: pulumi.Input<string>[];
  /** The hosts' security group. */
  securityGroupId: pulumi.Input<string>;
  /** Whether hosts get a public IP (public layout) or none (private layout). */
  publicIp: boolean;
  /** OpenSSH public key line for ec2-user. */
  sshPublicKey: string;
  /** The cloud-config; must hold no secret. */
  userData: pulumi.Input<string>;
  /** The ECR repositories the hosts pull from (ARNs); the role may pull from these only. */
  pullRepositoryArns: pulumi.Input<string | undefined>[];
  /** What the hosts' egress needs (routes, NAT gateways, endpoints): created before any host boots. */
  egressReady: pulumi.Resource[];
  /**
   * Per host, in order: what says it serves again (its target healthy behind the ALB after its
   * release). Host N+1 is created or changed only after host N's entry; known later in the
   * program (the ALB and the release come after the hosts), hence promises.
   */
  serving?: Promise<pulumi.Resource[]>[];
}

export interface Host {
  /** `host-1`, `host-2`, ...: stable, used in resource names and outputs. */
  name: string;
  zone: string;
  instance: aws.ec2.Instance;
}

/** The EC2 hosts with their instance profile and key pair. */
export class Hosts extends pulumi.ComponentResource {
  public readonly hosts: Host[];
  public readonly roleName: pulumi.Output<string>;
  public readonly keyName: pulumi.Output<string>;

  constructor(name: string, args: HostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:hosts:Hosts", name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) =>
      tagsFor({ app: args.app, stack: args.stack, tags: args.tags }, `${name}-${suffix}`);

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `berth hosts of ${args.app}/${args.stack}: ECR pull from the stack repositories only`,
        assumeRolePolicy: EC2_ASSUME_ROLE_POLICY,
        tags: tags("role"),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-ecr-pull`,
      {
        role: role.name,
        policy: pulumi
          .all(args.pullRepositoryArns)
          .apply((arns) => hostPullPolicy(arns.filter((a): a is string => Boolean(a)))),
      },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name, tags: tags("profile") },
      parent,
    );
    const keyPair = new aws.ec2.KeyPair(
      `${name}-key`,
      { publicKey: args.sshPublicKey, tags: tags("key") },
      parent,
    );
    this.roleName = role.name;
    this.keyName = keyPair.keyName;

    const ami = hostAmi(args.instanceType, args.ami, parent);
    let previous: aws.ec2.Instance | undefined;
    this.hosts = hostNames(args.count).map((hostName, i) => {
      const zoneIndex = zoneIndexFor(i, args.availabilityZones.length);
      const zone = args.availabilityZones[zoneIndex] as string;
      const prior = previous;
      const before: Promise<pulumi.Resource[]> =
        (i > 0 ? args.serving?.[i - 1] : undefined) ?? Promise.resolve([]);
      const instance = new aws.ec2.Instance(
        `${name}-${hostName}`,
        {
          ami,
          instanceType: args.instanceType,
          availabilityZone: zone,
          subnetId: args.subnetIds[zoneIndex] as pulumi.Input<string>,
          vpcSecurityGroupIds: [args.securityGroupId],
          associatePublicIpAddress: args.publicIp,
          iamInstanceProfile: profile.name,
          keyName: keyPair.keyName,
          userData: args.userData,
          userDataReplaceOnChange: false,
          metadataOptions: HOST_METADATA_OPTIONS,
          rootBlockDevice: {
            volumeType: "gp3",
            volumeSize: args.rootVolumeGiB,
            encrypted: true,
            deleteOnTermination: true,
            tags: tags(`${hostName}-root`),
          },
          monitoring: false,
          tags: { ...tags(hostName), "berth:host": hostName },
        },
        {
          parent: this,
          // A new AMI in the SSM parameter must not replace running hosts, and a changed
          // cloud-config must not stop and start them all at once (the provider updates user-data
          // in place by stopping the instance). The agent itself is installed over SSH by the
          // release whenever its sha256 changes; to roll a cloud-config change, replace hosts one at a time with
          // `pulumi up --replace <urn>`.
          ignoreChanges: ["ami", "userData"],
          // Some changes (the instance type, for one) stop and start an instance. Chained, the
          // hosts change one after another instead of all at once, and each only once the one
          // before serves again behind the ALB, so the others keep serving.
          // cloud-init installs packages once, at first boot: the route out must exist by then.
          dependsOn: before.then((serving) => [
            ...args.egressReady,
            ...serving,
            ...(prior ? [prior] : []),
          ]) as pulumi.Input<pulumi.Resource[]>,
        },
      );
      previous = instance;
      return { name: hostName, zone, instance };
    });

    this.registerOutputs({
      roleName: this.roleName,
      keyName: this.keyName,
      instanceIds: this.hosts.map((h) => h.instance.id),
    });
  }
}
