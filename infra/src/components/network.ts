import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { planSubnets } from "../cidr";
import { tagsFor } from "../naming";

/** The port nginx listens on on every host (the ALB's target port). */
export const HOST_HTTP_PORT = 80;

export interface NetworkArgs {
  /** App name: prefix of every child's name. */
  app: string;
  /** Stack name, for tags. */
  stack: string;
  /** The AWS region (endpoint service names). */
  region: string;
  /** The stack's own tags, added to every resource. */
  tags: Record<string, string>;
  /** The region's address block for the VPC, e.g. 10.0.0.0/16. */
  vpcCidr: string;
  /** Zones to spread over, in order; one public (and in a private layout one private) subnet each. */
  availabilityZones: string[];
  /**
   * public: hosts get public IPs in the ALB's subnets (no NAT: cheapest, fine for staging with
   * tight security groups). private: hosts have no public IP and egress via `egress`.
   */
  hostSubnets: "public" | "private";
  /**
   * How private hosts reach ECR and the OS repositories. single-nat: one NAT gateway (about
   * $33/month + $0.045/GB; the zone it sits in is a single point of failure for egress).
   * nat-per-zone: one per zone (zone-independent, costs that per zone). endpoints: no internet at
   * all; interface endpoints for ECR (about $7.5/month per endpoint per zone) plus the free S3
   * gateway (image layers and the Amazon Linux repositories); the app then cannot call the internet,
   * and SSM Session Manager would need three more endpoints (ssm, ssmmessages, ec2messages).
   * Private layouts always get the free S3 gateway endpoint, which also keeps layer pulls off the NAT.
   */
  egress: "single-nat" | "nat-per-zone" | "endpoints" | "internet";
  /** Who may SSH: to the hosts directly, or to the bastion when there is one. Never 0.0.0.0/0. */
  sshAllowedCidrs: string[];
  /** Whether a bastion in a public subnet is the only way to SSH into the hosts. */
  bastion: boolean;
  /** Whether the ALB also listens on 443 (a certificate is configured). */
  https: boolean;
}

/** VPC, subnets, routing, egress and the security groups with every rule spelled out. */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** One per zone, in zone order: where the ALB (and bastion, NAT gateways) live. */
  public readonly publicSubnetIds: pulumi.Output<string>[];
  /** One per zone, in zone order: where the hosts live (the public ones in a public layout). */
  public readonly hostSubnetIds: pulumi.Output<string>[];
  public readonly albSecurityGroupId: pulumi.Output<string>;
  public readonly hostSecurityGroupId: pulumi.Output<string>;
  /** undefined without a bastion. */
  public readonly bastionSecurityGroupId: pulumi.Output<string> | undefined;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:network:Network", name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) =>
      tagsFor({ app: args.app, stack: args.stack, tags: args.tags }, `${name}-${suffix}`);
    const plan = planSubnets(args.vpcCidr, args.availabilityZones.length);
    let endpointSecurityGroup: aws.ec2.SecurityGroup | undefined;

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.vpcCidr,
        // Interface endpoints with private DNS need both.
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: tags("vpc"),
      },
      parent,
    );
    this.vpcId = vpc.id;

    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: tags("igw") },
      parent,
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: tags("public"),
      },
      parent,
    );
    const publicSubnets = args.availabilityZones.map((zone, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${zone}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: plan.public[i],
          // Instances ask for a public IP explicitly; nothing gets one by accident.
          mapPublicIpOnLaunch: false,
          tags: { ...tags(`public-${zone}`), "berth:tier": "public" },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${zone}`,
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        parent,
      );
      return subnet;
    });
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    if (args.hostSubnets === "public") {
      this.hostSubnetIds = this.publicSubnetIds;
    } else {
      const natCount =
        args.egress === "nat-per-zone"
          ? args.availabilityZones.length
          : args.egress === "single-nat"
            ? 1
            : 0;
      const natIds = Array.from({ length: natCount }, (_, i) => {
        const zone = args.availabilityZones[i] as string;
        const eip = new aws.ec2.Eip(
          `${name}-nat-${zone}`,
          { domain: "vpc", tags: tags(`nat-${zone}`) },
          parent,
        );
        const nat = new aws.ec2.NatGateway(
          `${name}-nat-${zone}`,
          { allocationId: eip.id, subnetId: publicSubnets[i]!.id, tags: tags(`nat-${zone}`) },
          { parent: this, dependsOn: [igw] },
        );
        return nat.id;
      });
      const routeTableCount = args.egress === "nat-per-zone" ? args.availabilityZones.length : 1;
      const privateRouteTables = Array.from({ length: routeTableCount }, (_, i) => {
        const label = routeTableCount === 1 ? "private" : `private-${args.availabilityZones[i]}`;
        const natId = natIds[i];
        return new aws.ec2.RouteTable(
          `${name}-${label}`,
          {
            vpcId: vpc.id,
            routes: natId ? [{ cidrBlock: "0.0.0.0/0", natGatewayId: natId }] : [],
            tags: tags(label),
          },
          parent,
        );
      });
      const privateSubnets = args.availabilityZones.map((zone, i) => {
        const subnet = new aws.ec2.Subnet(
          `${name}-private-${zone}`,
          {
            vpcId: vpc.id,
            availabilityZone: zone,
            cidrBlock: plan.private[i],
            mapPublicIpOnLaunch: false,
            tags: { ...tags(`private-${zone}`), "berth:tier": "private" },
          },
          parent,
        );
        new aws.ec2.RouteTableAssociation(
          `${name}-private-${zone}`,
          {
            subnetId: subnet.id,
            routeTableId: privateRouteTables[Math.min(i, routeTableCount - 1)]!.id,
          },
          parent,
        );
        return subnet;
      });
      this.hostSubnetIds = privateSubnets.map((s) => s.id);

      const region = args.region;
      new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        {
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${region}.s3`,
          vpcEndpointType: "Gateway",
          routeTableIds: privateRouteTables.map((t) => t.id),
          tags: tags("s3"),
        },
        parent,
      );
      if (args.egress === "endpoints") {
        const endpointSg = new aws.ec2.SecurityGroup(
          `${name}-endpoints`,
          {
            vpcId: vpc.id,
            description: "ECR interface endpoints: HTTPS from the hosts",
            tags: tags("endpoints"),
          },
          parent,
        );
        endpointSecurityGroup = endpointSg;
        for (const service of ["ecr.api", "ecr.dkr"]) {
          new aws.ec2.VpcEndpoint(
            `${name}-${service.replace(".", "-")}`,
            {
              vpcId: vpc.id,
              serviceName: `com.amazonaws.${region}.${service}`,
              vpcEndpointType: "Interface",
              privateDnsEnabled: true,
              subnetIds: this.hostSubnetIds,
              securityGroupIds: [endpointSg.id],
              tags: tags(service.replace(".", "-")),
            },
            parent,
          );
        }
      }
    }

    const alb = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      {
        vpcId: vpc.id,
        description: "ALB: HTTP(S) from the internet, HTTP to the hosts only",
        tags: tags("alb"),
      },
      parent,
    );
    const hosts = new aws.ec2.SecurityGroup(
      `${name}-hosts`,
      {
        vpcId: vpc.id,
        description: "Hosts: HTTP from the ALB only, SSH from the allowed CIDRs or the bastion",
        tags: tags("hosts"),
      },
      parent,
    );
    this.albSecurityGroupId = alb.id;
    this.hostSecurityGroupId = hosts.id;

    const ingress = (rule: string, args2: aws.vpc.SecurityGroupIngressRuleArgs) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${rule}`,
        { ...args2, tags: tags(rule) },
        parent,
      );
    const egress = (rule: string, args2: aws.vpc.SecurityGroupEgressRuleArgs) =>
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-${rule}`,
        { ...args2, tags: tags(rule) },
        parent,
      );

    const albPorts = args.https ? [80, 443] : [80];
    for (const port of albPorts) {
      ingress(`alb-in-${port}`, {
        securityGroupId: alb.id,
        description:
          port === 443
            ? "HTTPS from anywhere"
            : args.https
              ? "HTTP from anywhere (redirected to HTTPS)"
              : "HTTP from anywhere",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
      });
    }
    egress("alb-out-hosts", {
      securityGroupId: alb.id,
      description: "HTTP to nginx on the hosts (traffic and health checks)",
      ipProtocol: "tcp",
      fromPort: HOST_HTTP_PORT,
      toPort: HOST_HTTP_PORT,
      referencedSecurityGroupId: hosts.id,
    });
    ingress("hosts-in-http", {
      securityGroupId: hosts.id,
      description: "HTTP from the ALB only",
      ipProtocol: "tcp",
      fromPort: HOST_HTTP_PORT,
      toPort: HOST_HTTP_PORT,
      referencedSecurityGroupId: alb.id,
    });
    egress("hosts-out-all", {
      securityGroupId: hosts.id,
      description: "Outbound: image pulls, OS packages and the app's own calls",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
    });

    if (args.bastion) {
      const bastion = new aws.ec2.SecurityGroup(
        `${name}-bastion`,
        {
          vpcId: vpc.id,
          description: "Bastion: SSH from the allowed CIDRs, SSH to the hosts only",
          tags: tags("bastion"),
        },
        parent,
      );
      this.bastionSecurityGroupId = bastion.id;
      args.sshAllowedCidrs.forEach((cidr, i) =>
        ingress(`bastion-in-ssh-${i + 1}`, {
          securityGroupId: bastion.id,
          description: `SSH from ${cidr}`,
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: cidr,
        }),
      );
      egress("bastion-out-ssh", {
        securityGroupId: bastion.id,
        description: "SSH to the hosts only",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        referencedSecurityGroupId: hosts.id,
      });
      ingress("hosts-in-ssh-bastion", {
        securityGroupId: hosts.id,
        description: "SSH from the bastion only",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        referencedSecurityGroupId: bastion.id,
      });
    } else {
      this.bastionSecurityGroupId = undefined;
      args.sshAllowedCidrs.forEach((cidr, i) =>
        ingress(`hosts-in-ssh-${i + 1}`, {
          securityGroupId: hosts.id,
          description: `SSH from ${cidr}`,
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          cidrIpv4: cidr,
        }),
      );
    }

    if (endpointSecurityGroup) {
      ingress("endpoints-in-https", {
        securityGroupId: endpointSecurityGroup.id,
        description: "HTTPS from the hosts",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        referencedSecurityGroupId: hosts.id,
      });
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      hostSubnetIds: this.hostSubnetIds,
      albSecurityGroupId: this.albSecurityGroupId,
      hostSecurityGroupId: this.hostSecurityGroupId,
      bastionSecurityGroupId: this.bastionSecurityGroupId,
    });
  }
}
