import type * as pulumi from "@pulumi/pulumi";

/**
 * berth:alarms, as data: which CloudWatch alarms a stack gets, on which metrics, with which
 * dimensions and thresholds, and the CloudWatch agent config whose metrics two of them read.
 * Pure: the Alarms component turns each spec into an aws.cloudwatch.MetricAlarm, the tests read
 * the specs directly.
 */

/** The thresholds berth:alarms sets (config.ts holds the defaults). */
export interface AlarmThresholds {
  /** The ALB's own 5xx (no healthy target, a target that reset the connection) as % of requests. */
  elb5xxPercent: number;
  /** The app's 5xx as % of requests. */
  target5xxPercent: number;
  /** A minute with fewer requests than this never counts as a breaching 5xx share. */
  minRequests: number;
  /** Alarm when at least this many targets fail the health check. */
  unhealthyHosts: number;
  /** The 99th percentile of the time targets take to answer, in seconds. */
  p99Seconds: number;
  cpuPercent: number;
  memoryPercent: number;
  diskPercent: number;
  /** How many consecutive one-minute periods must breach before an alarm fires. */
  evaluationMinutes: number;
}

/** The namespace the CloudWatch agent publishes to; the host role may write to it only. */
export const CW_AGENT_NAMESPACE = "CWAgent";
/** AL2023's root file system: the agent reports it as the `fstype` dimension. */
export const ROOT_FSTYPE = "xfs";
/** Where cloud-init writes the agent's config: outside the package's files; fetch-config reads it. */
export const CW_AGENT_CONFIG_PATH = "/etc/berth/cloudwatch-agent.json";
export const CW_AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl";
/** The package from AL2023's own repositories. */
export const CW_AGENT_PACKAGE = "amazon-cloudwatch-agent";

/** One minute: every alarm's period (standard resolution, the cheapest). */
const MINUTE = 60;
/** AWS's own advice for status checks: two failed minutes before acting. */
const STATUS_CHECK_MINUTES = 2;

type Value = pulumi.Input<string>;

export interface MetricQuery {
  id: string;
  expression?: string;
  label?: string;
  returnData: boolean;
  metric?: {
    namespace: string;
    metricName: string;
    dimensions: Record<string, Value>;
    period: number;
    stat: string;
  };
}

/** An alarm, ready to become an aws.cloudwatch.MetricAlarm (plus the stack's actions). */
export interface AlarmSpec {
  /** Short, unique in the stack: `alb-5xx`, `host-1-cpu`. The alarm's name ends with it. */
  key: string;
  description: string;
  comparisonOperator: "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold";
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "breaching" | "notBreaching" | "ignore" | "missing";
  /** A single metric... */
  metric?: {
    namespace: string;
    metricName: string;
    dimensions: Record<string, Value>;
    period: number;
    statistic?: "Average" | "Maximum" | "Sum";
    extendedStatistic?: string;
  };
  /** ...or metric math. */
  metricQueries?: MetricQuery[];
  /** Actions besides the stack's topic (the EC2 recover action). */
  extraAlarmActions?: Value[];
}

/** The EC2 action that recovers an instance onto healthy hardware, in the stack's partition. */
export function ec2RecoverActionArn(partition: string, region: string): string {
  return `arn:${partition}:automate:${region}:ec2:recover`;
}

/** `100 * errors / requests` over minutes with at least `minRequests` requests, else 0. */
function shareOfRequests(
  errorMetric: string,
  loadBalancer: Value,
  minRequests: number,
): MetricQuery[] {
  const sum = (id: string, metricName: string): MetricQuery => ({
    id,
    returnData: false,
    metric: {
      namespace: "AWS/ApplicationELB",
      metricName,
      dimensions: { LoadBalancer: loadBalancer },
      period: MINUTE,
      stat: "Sum",
    },
  });
  return [
    {
      id: "share",
      // No 5xx in a minute means no datapoint at all: FILL makes it 0 instead of no share.
      expression: `IF(requests >= ${minRequests}, 100 * FILL(errors, 0) / requests, 0)`,
      label: `${errorMetric} as % of requests`,
      returnData: true,
    },
    sum("errors", errorMetric),
    sum("requests", "RequestCount"),
  ];
}

/**
 * The ALB's alarms. `loadBalancer` and `targetGroup` are ARN suffixes (`app/name/id`,
 * `targetgroup/name/id`): CloudWatch's dimensions take those, not the ARNs.
 */
export function loadBalancerAlarms(
  t: AlarmThresholds,
  lb: { loadBalancer: Value; targetGroup: Value },
): AlarmSpec[] {
  const minutes = t.evaluationMinutes;
  const over = { evaluationPeriods: minutes, datapointsToAlarm: minutes };
  return [
    {
      key: "alb-5xx",
      description: `The load balancer itself answered 5xx to more than ${t.elb5xxPercent}% of requests for ${minutes} minutes (no healthy host, or hosts refusing connections). See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.elb5xxPercent,
      ...over,
      // No traffic is no error.
      treatMissingData: "notBreaching",
      metricQueries: shareOfRequests("HTTPCode_ELB_5XX_Count", lb.loadBalancer, t.minRequests),
    },
    {
      key: "app-5xx",
      description: `The app answered 5xx to more than ${t.target5xxPercent}% of requests for ${minutes} minutes. See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.target5xxPercent,
      ...over,
      treatMissingData: "notBreaching",
      metricQueries: shareOfRequests("HTTPCode_Target_5XX_Count", lb.loadBalancer, t.minRequests),
    },
    {
      key: "unhealthy-hosts",
      description: `At least ${t.unhealthyHosts} host(s) failed the load balancer's health check for ${minutes} minutes. See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: t.unhealthyHosts,
      ...over,
      // The ALB reports the count every minute while it routes to the group: silence is no news.
      treatMissingData: "missing",
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        dimensions: { LoadBalancer: lb.loadBalancer, TargetGroup: lb.targetGroup },
        period: MINUTE,
        statistic: "Maximum",
      },
    },
    {
      key: "p99-latency",
      description: `The slowest 1% of requests took longer than ${t.p99Seconds} s for ${minutes} minutes. See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.p99Seconds,
      ...over,
      treatMissingData: "notBreaching",
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        dimensions: { LoadBalancer: lb.loadBalancer },
        period: MINUTE,
        extendedStatistic: "p99",
      },
    },
  ];
}

/** One host's alarms: status checks (the system one recovers the instance), CPU, memory, disk. */
export function hostAlarms(
  t: AlarmThresholds,
  host: { name: string; instanceId: Value },
  recoverActionArn: Value,
): AlarmSpec[] {
  const minutes = t.evaluationMinutes;
  const instance = { InstanceId: host.instanceId };
  const statusCheck = (metricName: string) => ({
    namespace: "AWS/EC2",
    metricName,
    dimensions: instance,
    period: MINUTE,
    statistic: "Maximum" as const,
  });
  const over = { evaluationPeriods: minutes, datapointsToAlarm: minutes };
  return [
    {
      key: `${host.name}-system-check`,
      description: `${host.name} failed the EC2 system status check (AWS's hardware or network) for ${STATUS_CHECK_MINUTES} minutes: EC2 recovers it onto other hardware (same id, addresses and volume). See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: STATUS_CHECK_MINUTES,
      datapointsToAlarm: STATUS_CHECK_MINUTES,
      // A stopped instance reports nothing: neither recover it nor call it healthy.
      treatMissingData: "missing",
      metric: statusCheck("StatusCheckFailed_System"),
      extraAlarmActions: [recoverActionArn],
    },
    {
      key: `${host.name}-instance-check`,
      description: `${host.name} failed the EC2 instance status check (its own OS: kernel, memory exhaustion, network config) for ${STATUS_CHECK_MINUTES} minutes. See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: STATUS_CHECK_MINUTES,
      datapointsToAlarm: STATUS_CHECK_MINUTES,
      treatMissingData: "missing",
      metric: statusCheck("StatusCheckFailed_Instance"),
    },
    {
      key: `${host.name}-cpu`,
      description: `${host.name} used more than ${t.cpuPercent}% CPU for ${minutes} minutes. See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.cpuPercent,
      evaluationPeriods: Math.max(1, Math.ceil(minutes / 5)),
      datapointsToAlarm: Math.max(1, Math.ceil(minutes / 5)),
      treatMissingData: "missing",
      metric: {
        namespace: "AWS/EC2",
        metricName: "CPUUtilization",
        dimensions: instance,
        // Basic monitoring publishes every 5 minutes; a 1-minute period would see gaps.
        period: 5 * MINUTE,
        statistic: "Average",
      },
    },
    {
      key: `${host.name}-memory`,
      description: `${host.name} used more than ${t.memoryPercent}% of its memory for ${minutes} minutes. See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.memoryPercent,
      ...over,
      // A host whose agent never started (created before berth:alarms) must not alarm for ever.
      treatMissingData: "missing",
      metric: {
        namespace: CW_AGENT_NAMESPACE,
        metricName: "mem_used_percent",
        dimensions: instance,
        period: MINUTE,
        statistic: "Average",
      },
    },
    {
      key: `${host.name}-disk`,
      description: `${host.name}'s root file system is more than ${t.diskPercent}% full (images, container logs). See docs/operating.md#alarms.`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: t.diskPercent,
      ...over,
      treatMissingData: "missing",
      metric: {
        namespace: CW_AGENT_NAMESPACE,
        metricName: "disk_used_percent",
        dimensions: { ...instance, path: "/", fstype: ROOT_FSTYPE },
        period: MINUTE,
        statistic: "Maximum",
      },
    },
  ];
}

/**
 * The CloudWatch agent's config: memory and the root file system's use, every 60 s, each with the
 * InstanceId dimension (the device dimension dropped), to the CWAgent namespace. Exactly the
 * dimensions {@link hostAlarms} reads.
 */
export function cloudWatchAgentConfig(): string {
  return JSON.stringify({
    agent: { metrics_collection_interval: MINUTE, run_as_user: "cwagent" },
    metrics: {
      namespace: CW_AGENT_NAMESPACE,
      append_dimensions: { InstanceId: "${aws:InstanceId}" },
      metrics_collected: {
        mem: { measurement: ["used_percent"], metrics_collection_interval: MINUTE },
        disk: {
          measurement: ["used_percent"],
          resources: ["/"],
          drop_device: true,
          metrics_collection_interval: MINUTE,
        },
      },
    },
  });
}
