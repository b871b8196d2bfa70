import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { healthCheckFor } from "../healthCheck";
import { tagsFor } from "../naming";
import { ALB_LOG_PREFIX } from "./logArchive";
import { HOST_HTTP_PORT } from "./network";

/** The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export { healthCheckFor };

/**
 * How long the ALB keeps sending in-flight requests to a deregistered host. A fast API answers
 * in well under a second; nginx on the host drains the app itself during a release.
 */
export const DEREGISTRATION_DELAY_SECONDS = 15;

export interface LoadBalancerArgs {
  /** App name: prefix of every child's name (at most 20 characters, so AWS names fit in 32). */
  app: string;
  /** Stack name, for tags. */
  stack: string;
  /** The stack's own tags. */
  tags: Record<string, string>;
  vpcId: pulumi.Input<string>;
  /** At least two public subnets in different zones. */
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  /** The app's health path, checked through nginx. */
  healthPath: string;
  /**
   * An ACM certificate: HTTPS on 443 and HTTP redirected to it (301). Without: plain HTTP on 80.
   * One berth requests itself comes from its validation, so the listener waits until it is issued.
   */
  certificateArn?: pulumi.Input<string>;
  /** Refuse deletion of the ALB (prod). */
  deletionProtection: boolean;
  idleTimeoutSeconds: number;
  /** Write access logs to this bucket (under alb/); `ready` is what must exist before. */
  accessLogs?: { bucket: pulumi.Input<string>; ready: pulumi.Resource[] };
  /** The instances to put behind it. */
  instanceIds: pulumi.Input<string>[];
}

/** The ALB, its target group of hosts and its listeners. */
export class LoadBalancer extends pulumi.ComponentResource {
  public readonly dnsName: pulumi.Output<string>;
  /** The ALB's canonical hosted zone id: what a Route 53 alias record points at. */
  public readonly zoneId: pulumi.Output<string>;
  /** `app/<name>/<id>`: CloudWatch's LoadBalancer dimension. */
  public readonly arnSuffix: pulumi.Output<string>;
  /** `targetgroup/<name>/<id>`: CloudWatch's TargetGroup dimension. */
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** https://... with a certificate, else http://... */
  public readonly url: pulumi.Output<string>;
  /** The hosts' target group. */
  public readonly targetGroupArn: pulumi.Output<string>;
  /** Per host, in order: its registration in the target group. */
  public readonly attachments: aws.lb.TargetGroupAttachment[];
  /** The listeners: until one forwards to the target group, its targets are "unused". */
  public readonly listeners: aws.lb.Listener[] = [];

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:lb:LoadBalancer", name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) =>
      tagsFor({ app: args.app, stack: args.stack, tags: args.tags }, `${name}-${suffix}`);

    const alb = new aws.lb.LoadBalancer(
      `${args.app}-alb`,
      {
        loadBalancerType: "application",
        internal: false,
        subnets: args.subnetIds,
        securityGroups: [args.securityGroupId],
        dropInvalidHeaderFields: true,
        desyncMitigationMode: "defensive",
        enableDeletionProtection: args.deletionProtection,
        idleTimeout: args.idleTimeoutSeconds,
        accessLogs: args.accessLogs
          ? { bucket: args.accessLogs.bucket, prefix: ALB_LOG_PREFIX, enabled: true }
          : undefined,
        tags: tags("alb"),
      },
      { parent: this, dependsOn: args.accessLogs?.ready ?? [] },
    );
    const targets = new aws.lb.TargetGroup(
      `${args.app}-web`,
      {
        vpcId: args.vpcId,
        targetType: "instance",
        protocol: "HTTP",
        port: HOST_HTTP_PORT,
        healthCheck: healthCheckFor(args.healthPath),
        deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
        tags: tags("web"),
      },
      parent,
    );
    this.targetGroupArn = targets.arn;
    this.targetGroupArnSuffix = targets.arnSuffix;
    this.attachments = args.instanceIds.map(
      (instanceId, i) =>
        new aws.lb.TargetGroupAttachment(
          `${name}-host-${i + 1}`,
          { targetGroupArn: targets.arn, targetId: instanceId, port: HOST_HTTP_PORT },
          parent,
        ),
    );

    const forward = [{ type: "forward", targetGroupArn: targets.arn }];
    if (args.certificateArn) {
      this.listeners.push(
        new aws.lb.Listener(
          `${name}-https`,
          {
            loadBalancerArn: alb.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: TLS_POLICY,
            certificateArn: args.certificateArn,
            defaultActions: forward,
            tags: tags("https"),
          },
          parent,
        ),
      );
      this.listeners.push(
        new aws.lb.Listener(
          `${name}-http`,
          {
            loadBalancerArn: alb.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [
              {
                type: "redirect",
                redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
              },
            ],
            tags: tags("http"),
          },
          parent,
        ),
      );
    } else {
      this.listeners.push(
        new aws.lb.Listener(
          `${name}-http`,
          {
            loadBalancerArn: alb.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: forward,
            tags: tags("http"),
          },
          parent,
        ),
      );
    }

    this.dnsName = alb.dnsName;
    this.zoneId = alb.zoneId;
    this.arnSuffix = alb.arnSuffix;
    this.url = pulumi.interpolate`${args.certificateArn ? "https" : "http"}://${alb.dnsName}`;
    this.registerOutputs({ dnsName: this.dnsName, url: this.url });
  }
}
