import { CW_AGENT_NAMESPACE, ROOT_FSTYPE } from "./alarms";

/**
 * The CloudWatch dashboard of a stack, as the JSON body PutDashboard takes: the release it runs,
 * then the metrics its alarms watch, and the alarms' states. Pure.
 */
export interface DashboardSettings {
  app: string;
  stack: string;
  region: string;
  /** The ALB's and target group's ARN suffixes. */
  loadBalancer: string;
  targetGroup: string;
  hosts: { name: string; instanceId: string }[];
  /** The release the stack runs: app and proxy images by digest. */
  release: { app: string; proxy: string };
  /** Every alarm's ARN, for the alarm status widget. */
  alarmArns: string[];
}

/** The dashboard's name: `<app>-<stack>` (A-Z a-z 0-9 - _ only, like both parts). */
export function dashboardName(app: string, stack: string): string {
  return `${app}-${stack}`;
}

type Metric = (string | Record<string, string | number>)[];

const WIDTH = 12;
const HEIGHT = 6;

export function dashboardBody(s: DashboardSettings): string {
  const alb = (metricName: string, options: Record<string, string | number>): Metric => [
    "AWS/ApplicationELB",
    metricName,
    "LoadBalancer",
    s.loadBalancer,
    options,
  ];
  const perHost = (
    namespace: string,
    metricName: string,
    extra: string[] = [],
    stat = "Average",
  ): Metric[] =>
    s.hosts.map((h) => [
      namespace,
      metricName,
      "InstanceId",
      h.instanceId,
      ...extra,
      { label: h.name, stat },
    ]);
  const graph = (title: string, metrics: Metric[], extra: Record<string, unknown> = {}) => ({
    type: "metric",
    properties: {
      title,
      region: s.region,
      view: "timeSeries",
      stacked: false,
      period: 60,
      metrics,
      ...extra,
    },
  });
  const percentAxis = { yAxis: { left: { min: 0, max: 100 } } };
  const graphs = [
    graph("Requests and 5xx (per minute)", [
      alb("RequestCount", { stat: "Sum", label: "requests" }),
      alb("HTTPCode_Target_5XX_Count", { stat: "Sum", label: "app 5xx" }),
      alb("HTTPCode_ELB_5XX_Count", { stat: "Sum", label: "load balancer 5xx" }),
    ]),
    graph("Response time (seconds)", [
      alb("TargetResponseTime", { stat: "p99", label: "p99" }),
      alb("TargetResponseTime", { stat: "p50", label: "p50" }),
    ]),
    graph("Hosts behind the load balancer", [
      [
        "AWS/ApplicationELB",
        "HealthyHostCount",
        "TargetGroup",
        s.targetGroup,
        "LoadBalancer",
        s.loadBalancer,
        { stat: "Minimum", label: "healthy" },
      ],
      [
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        "TargetGroup",
        s.targetGroup,
        "LoadBalancer",
        s.loadBalancer,
        { stat: "Maximum", label: "unhealthy" },
      ],
    ]),
    graph("CPU (%)", perHost("AWS/EC2", "CPUUtilization"), { period: 300, ...percentAxis }),
    graph("Memory used (%)", perHost(CW_AGENT_NAMESPACE, "mem_used_percent"), percentAxis),
    graph(
      "Root disk used (%)",
      perHost(
        CW_AGENT_NAMESPACE,
        "disk_used_percent",
        ["path", "/", "fstype", ROOT_FSTYPE],
        "Maximum",
      ),
      percentAxis,
    ),
  ];
  const release = {
    type: "text",
    properties: {
      markdown: [
        `# ${s.app} / ${s.stack}`,
        `Current release (updated by every \`pulumi up\`): app \`${s.release.app}\`, proxy \`${s.release.proxy}\``,
      ].join("\n\n"),
    },
  };
  const alarms = {
    type: "alarm",
    properties: { title: "Alarms", alarms: s.alarmArns, sortBy: "stateUpdatedTimestamp" },
  };
  const placed = [
    { ...release, x: 0, y: 0, width: 2 * WIDTH, height: 3 },
    ...graphs.map((g, i) => ({
      ...g,
      x: (i % 2) * WIDTH,
      y: 3 + Math.floor(i / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
    })),
    ...(s.alarmArns.length > 0
      ? [
          {
            ...alarms,
            x: 0,
            y: 3 + Math.ceil(graphs.length / 2) * HEIGHT,
            width: 2 * WIDTH,
            height: HEIGHT,
          },
        ]
      : []),
  ];
  return JSON.stringify({ widgets: placed });
}
