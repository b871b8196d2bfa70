import * as pulumi from "@pulumi/pulumi";
import { createVpcEndpoints } from "./endpoints";
import { createRouting } from "./routing";
import { networkScope } from "./scope";
import { createSecurityGroups } from "./securityGroups";
import { createSubnets } from "./subnets";
import { createVpc } from "./vpc";

export { HOST_HTTP_PORT } from "./securityGroups";

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
   * all; interface endpoints for ECR and SSM's parameter store (the hosts' SSH host keys; about
   * $7.5/month per endpoint per zone) plus the free S3 gateway (image layers and the Amazon Linux
   * repositories); the app then cannot call the internet, and SSM Session Manager would need two
   * more endpoints (ssmmessages, ec2messages).
   * Private layouts always get the free S3 gateway endpoint, which also keeps layer pulls off the NAT.
   */
  egress: "single-nat" | "nat-per-zone" | "endpoints" | "internet";
  /** Who may SSH: to the hosts directly, or to the bastion when there is one. Never 0.0.0.0/0. */
  sshAllowedCidrs: string[];
  /** Whether a bastion in a public subnet is the only way to SSH into the hosts. */
  bastion: boolean;
  /** Whether the ALB also listens on 443 (a certificate is configured). */
  https: boolean;
  /**
   * Whether the hosts publish CloudWatch metrics (berth:alarms): with egress `endpoints` they
   * then need the `monitoring` interface endpoint too.
   */
  hostMetrics?: boolean;
  /** Whether the app logs to CloudWatch Logs (berth:appLogs): with `endpoints`, the `logs` endpoint. */
  hostLogs?: boolean;
}

/**
 * VPC, subnets, routing, egress and the security groups with every rule spelled out. Each part
 * lives in its own file; all of their resources are direct children of this component.
 */
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
  /**
   * Everything a host's first boot needs to reach ECR and the OS repositories: gateways, route
   * tables and associations, NAT gateways, VPC endpoints. cloud-init installs packages once, at
   * first boot, so instances must depend on all of it.
   */
  public readonly egressReady: pulumi.Resource[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:network:Network", name, {}, opts);
    const scope = networkScope(this, name, { app: args.app, stack: args.stack, tags: args.tags });
    const privateLayout = args.hostSubnets === "private";

    const vpc = createVpc(scope, { cidrBlock: args.vpcCidr });
    const subnets = createSubnets(scope, {
      vpcId: vpc.id,
      vpcCidr: args.vpcCidr,
      zones: args.availabilityZones,
      private: privateLayout,
    });
    const routing = createRouting(scope, {
      vpcId: vpc.id,
      zones: args.availabilityZones,
      publicSubnets: subnets.public,
      privateSubnets: subnets.private,
      egress: args.egress,
    });
    const groups = createSecurityGroups(scope, {
      vpcId: vpc.id,
      https: args.https,
      bastion: args.bastion,
      sshAllowedCidrs: args.sshAllowedCidrs,
      interfaceEndpoints: privateLayout && args.egress === "endpoints",
    });

    this.vpcId = vpc.id;
    this.publicSubnetIds = subnets.public.map((s) => s.id);
    this.hostSubnetIds = subnets.private ? subnets.private.map((s) => s.id) : this.publicSubnetIds;
    this.albSecurityGroupId = groups.alb.id;
    this.hostSecurityGroupId = groups.hosts.id;
    this.bastionSecurityGroupId = groups.bastion?.id;

    this.egressReady = [...routing.egress];
    if (privateLayout) {
      const endpoints = createVpcEndpoints(scope, {
        region: args.region,
        vpcId: vpc.id,
        routeTableIds: routing.privateRouteTables.map((t) => t.id),
        ecr: groups.endpoints
          ? { subnetIds: this.hostSubnetIds, securityGroupId: groups.endpoints.id }
          : undefined,
        monitoring: args.hostMetrics ?? false,
        logs: args.hostLogs ?? false,
      });
      this.egressReady.push(...endpoints);
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
