import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  AlarmSpec,
  AlarmThresholds,
  ec2RecoverActionArn,
  hostAlarms,
  loadBalancerAlarms,
} from "../alarms";
import { tagsFor } from "../naming";

export interface AlarmsArgs {
  app: string;
  stack: string;
  tags: Record<string, string>;
  region: string;
  thresholds: AlarmThresholds;
  /** Where every alarm and its recovery (OK) go. */
  topicArn: pulumi.Input<string>;
  /** The ALB's and target group's ARN suffixes (CloudWatch's dimensions). */
  loadBalancer: { arnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string> };
  hosts: { name: string; instanceId: pulumi.Input<string> }[];
}

/** The stack's CloudWatch alarms (infra/src/alarms.ts decides which), each to the topic. */
export class Alarms extends pulumi.ComponentResource {
  public readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:alarms:Alarms", name, {}, opts);
    const parent = { parent: this };
    const partition = aws.getPartitionOutput({}, parent).partition;
    const recover = partition.apply((p) => ec2RecoverActionArn(p, args.region));
    const specs: AlarmSpec[] = [
      ...loadBalancerAlarms(args.thresholds, {
        loadBalancer: args.loadBalancer.arnSuffix,
        targetGroup: args.loadBalancer.targetGroupArnSuffix,
      }),
      ...args.hosts.flatMap((host) => hostAlarms(args.thresholds, host, recover)),
    ];
    this.alarms = specs.map((spec) => {
      const alarmName = `${args.app}-${args.stack}-${spec.key}`;
      return new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.key}`,
        {
          name: alarmName,
          alarmDescription: spec.description,
          comparisonOperator: spec.comparisonOperator,
          threshold: spec.threshold,
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          treatMissingData: spec.treatMissingData,
          ...(spec.metric
            ? {
                namespace: spec.metric.namespace,
                metricName: spec.metric.metricName,
                dimensions: spec.metric.dimensions,
                period: spec.metric.period,
                statistic: spec.metric.statistic,
                extendedStatistic: spec.metric.extendedStatistic,
              }
            : { metricQueries: spec.metricQueries }),
          alarmActions: [args.topicArn, ...(spec.extraAlarmActions ?? [])],
          okActions: [args.topicArn],
          tags: tagsFor(args, alarmName),
        },
        parent,
      );
    });
    this.registerOutputs({ alarmArns: this.alarms.map((a) => a.arn) });
  }
}
