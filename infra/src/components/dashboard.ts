import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dashboardBody, dashboardName } from "../dashboard";

export interface DashboardArgs {
  app: string;
  stack: string;
  region: string;
  loadBalancer: { arnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string> };
  hosts: { name: string; instanceId: pulumi.Input<string> }[];
  /** The release's images by digest (the program's digest and proxyDigest outputs). */
  release: { app: pulumi.Input<string>; proxy: pulumi.Input<string> };
  alarmArns: pulumi.Input<string>[];
}

/** One CloudWatch dashboard per stack (infra/src/dashboard.ts lays it out). */
export class Dashboard extends pulumi.ComponentResource {
  public readonly dashboardName: string;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:alarms:Dashboard", name, {}, opts);
    this.dashboardName = dashboardName(args.app, args.stack);
    const body = pulumi
      .all([
        args.loadBalancer.arnSuffix,
        args.loadBalancer.targetGroupArnSuffix,
        pulumi.all(args.hosts.map((h) => h.instanceId)),
        args.release.app,
        args.release.proxy,
        pulumi.all(args.alarmArns),
      ])
      .apply(([loadBalancer, targetGroup, instanceIds, app, proxy, alarmArns]) =>
        dashboardBody({
          app: args.app,
          stack: args.stack,
          region: args.region,
          loadBalancer,
          targetGroup,
          hosts: args.hosts.map((h, i) => ({ name: h.name, instanceId: instanceIds[i] as string })),
          release: { app, proxy },
          alarmArns,
        }),
      );
    new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: this.dashboardName, dashboardBody: body },
      { parent: this },
    );
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}
