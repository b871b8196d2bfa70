/**
 * berth:alarms: an encrypted SNS topic CloudWatch can publish to, email subscriptions, alarms on
 * the right metrics with the dimensions CloudWatch really uses (ARN suffixes, the agent's
 * dimensions), the EC2 recover action in the stack's partition, the CloudWatch agent in the hosts'
 * user data, a host role that may put metrics into the agent's namespace only, and the dashboard.
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import {
  AlarmThresholds,
  cloudWatchAgentConfig,
  ec2RecoverActionArn,
  hostAlarms,
  loadBalancerAlarms,
} from "../../infra/src/alarms";
import { ALARM_DEFAULTS, parseStackConfig } from "../../infra/src/config";
import { dashboardBody } from "../../infra/src/dashboard";
import { rawStackConfig } from "../support/pulumi/stackConfig";
import { ProgramRun, runProgram, runStackOnce } from "../support/pulumi/runProgram";
import { pulumi } from "../support/pulumi/sdk";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const THRESHOLDS: AlarmThresholds = { ...ALARM_DEFAULTS };

const alarmsOf = (run: ProgramRun) =>
  new Map(run.ofType(ALARM).map((a) => [String(a.inputs.name), a.inputs]));

for (const stack of ["staging", "prod"]) {
  describe(`berth:alarms in ${stack}`, () => {
    let run: ProgramRun;
    before(async () => {
      run = await runStackOnce(stack);
    });
    const hostCount = () =>
      run.ofType("aws:ec2/instance:Instance").filter((i) => /host-\d+$/.test(i.name)).length;

    it("one topic, encrypted with a key CloudWatch may use (not alias/aws/sns), mailed to the configured address", () => {
      const [topic] = run.ofType(TOPIC);
      assert.ok(topic);
      assert.equal(topic.inputs.name, `shop-api-${stack}-alarms`);
      const [key] = run.ofType("aws:kms/key:Key");
      assert.ok(key);
      assert.equal(topic.inputs.kmsMasterKeyId, key.state.arn);
      assert.notEqual(topic.inputs.kmsMasterKeyId, "alias/aws/sns");
      assert.equal(key.inputs.enableKeyRotation, true);
      const policy = JSON.parse(String(key.inputs.policy)) as {
        Statement: { Sid: string; Principal: unknown; Action: unknown; Condition?: unknown }[];
      };
      const cloudwatch = policy.Statement.find((s) => s.Sid === "CloudWatchAlarmsPublish");
      assert.deepEqual(cloudwatch?.Principal, { Service: "cloudwatch.amazonaws.com" });
      assert.deepEqual(cloudwatch?.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
      assert.deepEqual(cloudwatch?.Condition, {
        StringEquals: { "aws:SourceAccount": "123456789012" },
      });
      const subscriptions = run.ofType("aws:sns/topicSubscription:TopicSubscription");
      assert.deepEqual(
        subscriptions.map((s) => [s.inputs.topic, s.inputs.protocol, s.inputs.endpoint]),
        [[topic.state.arn, "email", "platform-alerts@example.com"]],
      );
    });

    it("four alarms on the ALB and five per host, each alarming and recovering to the topic", () => {
      const alarms = run.ofType(ALARM);
      assert.equal(alarms.length, 4 + 5 * hostCount());
      const topicArn = run.ofType(TOPIC)[0]?.state.arn;
      for (const alarm of alarms) {
        assert.equal((alarm.inputs.alarmActions as string[])[0], topicArn, alarm.name);
        assert.deepEqual(alarm.inputs.okActions, [topicArn], alarm.name);
        assert.match(String(alarm.inputs.name), new RegExp(`^shop-api-${stack}-`));
      }
    });

    it("the ALB's alarms use the load balancer's and target group's ARN suffixes as dimensions", () => {
      const [alb] = run.ofType("aws:lb/loadBalancer:LoadBalancer");
      const [group] = run.ofType("aws:lb/targetGroup:TargetGroup");
      const lbSuffix = alb?.state.arnSuffix;
      const tgSuffix = group?.state.arnSuffix;
      assert.match(String(lbSuffix), /^app\//);
      assert.match(String(tgSuffix), /^targetgroup\//);
      const alarms = alarmsOf(run);
      const unhealthy = alarms.get(`shop-api-${stack}-unhealthy-hosts`);
      assert.deepEqual(unhealthy?.dimensions, { LoadBalancer: lbSuffix, TargetGroup: tgSuffix });
      assert.equal(unhealthy?.metricName, "UnHealthyHostCount");
      assert.equal(unhealthy?.namespace, "AWS/ApplicationELB");
      const p99 = alarms.get(`shop-api-${stack}-p99-latency`);
      assert.equal(p99?.extendedStatistic, "p99");
      assert.equal(p99?.statistic, undefined);
      assert.equal(p99?.metricName, "TargetResponseTime");
      assert.deepEqual(p99?.dimensions, { LoadBalancer: lbSuffix });
      for (const [key, metric] of [
        ["alb-5xx", "HTTPCode_ELB_5XX_Count"],
        ["app-5xx", "HTTPCode_Target_5XX_Count"],
      ]) {
        const share = alarms.get(`shop-api-${stack}-${key}`);
        assert.equal(share?.treatMissingData, "notBreaching");
        assert.equal(share?.metricName, undefined, "metric math: no metric of its own");
        const queries = share?.metricQueries as {
          id: string;
          expression?: string;
          returnData?: boolean;
          metric?: { metricName: string; dimensions: Record<string, string>; stat: string };
        }[];
        assert.deepEqual(
          queries.filter((q) => q.returnData).map((q) => q.expression),
          ["IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)"],
        );
        const errors = queries.find((q) => q.id === "errors")?.metric;
        const requests = queries.find((q) => q.id === "requests")?.metric;
        assert.equal(errors?.metricName, metric);
        assert.equal(requests?.metricName, "RequestCount");
        assert.deepEqual(errors?.dimensions, { LoadBalancer: lbSuffix });
        assert.equal(errors?.stat, "Sum");
      }
    });

    it("per host: status checks (system with EC2 recover), CPU, and the agent's memory and disk", () => {
      const alarms = alarmsOf(run);
      for (const instance of run
        .ofType("aws:ec2/instance:Instance")
        .filter((i) => /host-\d+$/.test(i.name))) {
        const host = /(host-\d+)$/.exec(instance.name)?.[1] ?? "";
        const byKey = (key: string) => alarms.get(`shop-api-${stack}-${host}-${key}`);
        const system = byKey("system-check");
        assert.equal(system?.metricName, "StatusCheckFailed_System");
        assert.deepEqual(system?.dimensions, { InstanceId: instance.id });
        assert.deepEqual(system?.alarmActions, [
          run.ofType(TOPIC)[0]?.state.arn,
          "arn:aws:automate:eu-west-1:ec2:recover",
        ]);
        assert.equal(byKey("instance-check")?.metricName, "StatusCheckFailed_Instance");
        assert.equal((byKey("instance-check")?.alarmActions as string[]).length, 1);
        assert.equal(byKey("cpu")?.namespace, "AWS/EC2");
        assert.equal(byKey("cpu")?.period, 300, "basic monitoring: 5-minute data");
        const memory = byKey("memory");
        assert.equal(memory?.namespace, "CWAgent");
        assert.equal(memory?.metricName, "mem_used_percent");
        assert.deepEqual(memory?.dimensions, { InstanceId: instance.id });
        const disk = byKey("disk");
        assert.equal(disk?.metricName, "disk_used_percent");
        assert.deepEqual(disk?.dimensions, { InstanceId: instance.id, path: "/", fstype: "xfs" });
      }
    });

    it("the hosts' user data installs the CloudWatch agent from the OS repositories and starts it with berth's config", () => {
      const userData = String(
        run.ofType("aws:ec2/instance:Instance").find((i) => /host-1$/.test(i.name))?.inputs
          .userData,
      );
      const cloudConfig = parseYaml(userData) as {
        write_files: { path: string; content: string }[];
        runcmd: string[][];
      };
      const file = cloudConfig.write_files.find(
        (f) => f.path === "/etc/berth/cloudwatch-agent.json",
      );
      assert.ok(file, "the agent config is written");
      assert.deepEqual(JSON.parse(file.content), JSON.parse(cloudWatchAgentConfig()));
      const runcmd = cloudConfig.runcmd.map((c) => c.join(" "));
      const install = runcmd.findIndex(
        (c) => c === "/usr/local/sbin/berth-install-packages amazon-cloudwatch-agent",
      );
      const start = runcmd.findIndex((c) =>
        c.startsWith(
          "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/etc/berth/cloudwatch-agent.json",
        ),
      );
      assert.ok(install >= 0 && start > install, runcmd.join("\n"));
    });

    it("the host role may put metrics into the agent's namespace only, and has no managed CloudWatch policy", () => {
      const policy = run
        .ofType("aws:iam/rolePolicy:RolePolicy")
        .find((p) => p.name.endsWith("hosts-ecr-pull"));
      const document = JSON.parse(String(policy?.inputs.policy)) as {
        Statement: { Sid: string; Action: unknown; Resource: unknown; Condition?: unknown }[];
      };
      const metrics = document.Statement.filter((s) =>
        [s.Action].flat().some((a) => String(a).startsWith("cloudwatch:")),
      );
      assert.deepEqual(metrics, [
        {
          Sid: "CloudWatchAgentMetrics",
          Effect: "Allow",
          Action: "cloudwatch:PutMetricData",
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": "CWAgent" } },
        },
      ]);
      assert.ok(
        !run
          .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
          .some((a) => String(a.inputs.policyArn).includes("CloudWatch")),
      );
    });

    it("one dashboard named after app and stack, showing the release the stack runs", () => {
      const dashboards = run.ofType("aws:cloudwatch/dashboard:Dashboard");
      assert.equal(dashboards.length, 1);
      assert.equal(dashboards[0]?.inputs.dashboardName, `shop-api-${stack}`);
      const body = JSON.parse(String(dashboards[0]?.inputs.dashboardBody)) as {
        widgets: { type: string; properties: { markdown?: string; alarms?: string[] } }[];
      };
      const text = body.widgets.find((w) => w.type === "text")?.properties.markdown ?? "";
      assert.ok(text.includes(String(run.outputs.digest)), text);
      assert.ok(text.includes(String(run.outputs.proxyDigest)), text);
      assert.deepEqual(
        [...(body.widgets.find((w) => w.type === "alarm")?.properties.alarms ?? [])].sort(),
        run
          .ofType(ALARM)
          .map((a) => String(a.state.arn))
          .sort(),
      );
      assert.equal(run.outputs.dashboard, `shop-api-${stack}`);
    });
  });
}

describe("berth:alarms off", () => {
  it("no topic, alarms, dashboard, agent or metrics permission", async () => {
    const run = await runProgram({
      stack: "staging",
      configOverrides: { "berth:alarms": { enabled: false } },
    });
    for (const type of [ALARM, TOPIC, "aws:cloudwatch/dashboard:Dashboard", "aws:kms/key:Key"])
      assert.equal(run.ofType(type).length, 0, type);
    const userData = String(run.ofType("aws:ec2/instance:Instance")[0]?.inputs.userData);
    assert.ok(!userData.includes("amazon-cloudwatch-agent-ctl"), "the agent is not started");
    assert.ok(!userData.includes("/etc/berth/cloudwatch-agent.json"), "no agent config");
    assert.ok(
      !String(run.ofType("aws:iam/rolePolicy:RolePolicy")[0]?.inputs.policy).includes(
        "cloudwatch:",
      ),
    );
    assert.equal(run.outputs.dashboard, null);
  });
});

describe("berth:alarms without an address", () => {
  it("says once, in one line, that the alarms notify no one, and still creates them", async () => {
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = (message: string) => {
      warnings.push(message);
      return Promise.resolve();
    };
    try {
      const run = await runProgram({
        stack: "staging",
        configOverrides: { "berth:alarms": { enabled: true, emails: [] } },
      });
      assert.equal(run.ofType("aws:sns/topicSubscription:TopicSubscription").length, 0);
      assert.ok(run.ofType(ALARM).length > 0);
    } finally {
      pulumi.log.warn = original;
    }
    const aboutAlarms = warnings.filter((w) => w.includes("berth:alarms"));
    assert.deepEqual(aboutAlarms, [
      "berth:alarms.emails is empty: the alarms notify no one; add an address with pulumi config set --path 'berth:alarms.emails[0]' ops@example.com",
    ]);
  });
});

describe("the EC2 recover action across partitions", () => {
  it("is built from the partition, never a hard-coded arn:aws", () => {
    assert.equal(ec2RecoverActionArn("aws", "eu-west-1"), "arn:aws:automate:eu-west-1:ec2:recover");
    assert.equal(
      ec2RecoverActionArn("aws-cn", "cn-north-1"),
      "arn:aws-cn:automate:cn-north-1:ec2:recover",
    );
  });

  it("a stack in GovCloud recovers with arn:aws-us-gov", async () => {
    const run = await runProgram({
      stack: "staging",
      configOverrides: {
        "aws:region": "us-gov-west-1",
        "berth:network": {
          vpcCidr: "10.20.0.0/16",
          availabilityZones: ["us-gov-west-1a", "us-gov-west-1b"],
          hostSubnets: "public",
        },
      },
    });
    const system = run
      .ofType(ALARM)
      .find((a) => String(a.inputs.name).endsWith("host-1-system-check"));
    assert.deepEqual(
      (system?.inputs.alarmActions as string[])[1],
      "arn:aws-us-gov:automate:us-gov-west-1:ec2:recover",
    );
  });
});

describe("alarm specs", () => {
  it("thresholds come from config", () => {
    const custom = { ...THRESHOLDS, target5xxPercent: 1, p99Seconds: 0.5, evaluationMinutes: 3 };
    const [, app, , p99] = loadBalancerAlarms(custom, {
      loadBalancer: "app/a/1",
      targetGroup: "targetgroup/t/2",
    });
    assert.equal(app?.threshold, 1);
    assert.equal(p99?.threshold, 0.5);
    assert.equal(p99?.evaluationPeriods, 3);
  });

  it("status checks act after two minutes whatever evaluationMinutes says; CPU counts in 5-minute periods", () => {
    const [system, , cpu] = hostAlarms(
      { ...THRESHOLDS, evaluationMinutes: 10 },
      { name: "host-1", instanceId: "i-1" },
      "arn:aws:automate:eu-west-1:ec2:recover",
    );
    assert.equal(system?.evaluationPeriods, 2);
    assert.equal(cpu?.evaluationPeriods, 2);
    assert.equal(cpu?.metric?.period, 300);
  });

  it("the agent config: 60 s, InstanceId appended, memory and the root file system only", () => {
    const config = JSON.parse(cloudWatchAgentConfig()) as {
      agent: { metrics_collection_interval: number };
      metrics: {
        namespace: string;
        append_dimensions: Record<string, string>;
        metrics_collected: Record<
          string,
          { measurement: string[]; resources?: string[]; drop_device?: boolean }
        >;
      };
    };
    assert.equal(config.agent.metrics_collection_interval, 60);
    assert.equal(config.metrics.namespace, "CWAgent");
    assert.deepEqual(config.metrics.append_dimensions, { InstanceId: "${aws:InstanceId}" });
    assert.deepEqual(Object.keys(config.metrics.metrics_collected).sort(), ["disk", "mem"]);
    assert.deepEqual(config.metrics.metrics_collected.disk?.resources, ["/"]);
    assert.equal(config.metrics.metrics_collected.disk?.drop_device, true, "no device dimension");
  });
});

describe("the dashboard body", () => {
  const body = JSON.parse(
    dashboardBody({
      app: "shop-api",
      stack: "prod",
      region: "eu-west-1",
      loadBalancer: "app/shop-api-alb/abc",
      targetGroup: "targetgroup/shop-api-web/def",
      hosts: [
        { name: "host-1", instanceId: "i-1" },
        { name: "host-2", instanceId: "i-2" },
      ],
      release: { app: "repo/app@sha256:aaa", proxy: "repo/proxy@sha256:bbb" },
      alarmArns: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a"],
    }),
  ) as {
    widgets: {
      type: string;
      x: number;
      y: number;
      width: number;
      height: number;
      properties: { title?: string; region?: string; metrics?: unknown[][]; markdown?: string };
    }[];
  };

  it("starts with the release, then the metrics, then the alarms", () => {
    assert.deepEqual(
      body.widgets.map((w) => w.type),
      ["text", "metric", "metric", "metric", "metric", "metric", "metric", "alarm"],
    );
    assert.match(
      body.widgets[0]?.properties.markdown ?? "",
      /app `repo\/app@sha256:aaa`, proxy `repo\/proxy@sha256:bbb`/,
    );
  });

  it("every metric widget has its region, and per-host widgets one line per host", () => {
    const metrics = body.widgets.filter((w) => w.type === "metric");
    for (const w of metrics) assert.equal(w.properties.region, "eu-west-1");
    const disk = metrics.find((w) => w.properties.title === "Root disk used (%)");
    assert.deepEqual(disk?.properties.metrics, [
      [
        "CWAgent",
        "disk_used_percent",
        "InstanceId",
        "i-1",
        "path",
        "/",
        "fstype",
        "xfs",
        { label: "host-1", stat: "Maximum" },
      ],
      [
        "CWAgent",
        "disk_used_percent",
        "InstanceId",
        "i-2",
        "path",
        "/",
        "fstype",
        "xfs",
        { label: "host-2", stat: "Maximum" },
      ],
    ]);
    const requests = metrics.find((w) => w.properties.title?.startsWith("Requests"));
    assert.deepEqual(requests?.properties.metrics?.[0]?.slice(0, 4), [
      "AWS/ApplicationELB",
      "RequestCount",
      "LoadBalancer",
      "app/shop-api-alb/abc",
    ]);
  });

  it("widgets sit on CloudWatch's 24-column grid without overlapping", () => {
    const cells = new Set<string>();
    for (const w of body.widgets) {
      assert.ok(w.x >= 0 && w.x + w.width <= 24, JSON.stringify(w));
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          assert.ok(!cells.has(`${x},${y}`), `overlap at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
    }
  });
});

describe("berth:alarms config errors: one line naming the key", () => {
  const BAD: [string, (raw: Raw) => void, string][] = [
    [
      "an address that is not one",
      (r) => (r["berth:alarms"] = { enabled: true, emails: ["ops at example.com"] }),
      'berth:alarms.emails[0] must be an email address like ops@example.com (got "ops at example.com")',
    ],
    [
      "an address twice",
      (r) =>
        (r["berth:alarms"] = { enabled: true, emails: ["ops@example.com", "OPS@example.com"] }),
      'berth:alarms.emails must not list an address twice (got ["ops@example.com","OPS@example.com"])',
    ],
    [
      "a share above 100%",
      (r) => (r["berth:alarms"] = { enabled: true, target5xxPercent: 150 }),
      "berth:alarms.target5xxPercent must be a number from 1 to 100 (got 150)",
    ],
    [
      "a p99 of zero",
      (r) => (r["berth:alarms"] = { enabled: true, p99Seconds: 0 }),
      "berth:alarms.p99Seconds must be a number of seconds from 0.01 to 60 (got 0)",
    ],
    [
      "a misspelt threshold",
      (r) => (r["berth:alarms"] = { enabled: true, cpu: 90 }),
      "berth:alarms.cpu is not a known key; allowed: enabled, emails, elb5xxPercent, target5xxPercent, minRequests, unhealthyHosts, p99Seconds, cpuPercent, memoryPercent, diskPercent, evaluationMinutes",
    ],
  ];
  for (const [what, breakIt, expected] of BAD) {
    it(what, () => {
      const raw = rawStackConfig("staging") as Raw;
      breakIt(raw);
      assert.throws(() => parseStackConfig(raw), { message: expected });
    });
  }

  it("a stack that says only enabled: true gets every default", () => {
    const raw = rawStackConfig("staging") as Raw;
    raw["berth:alarms"] = { enabled: true };
    assert.deepEqual(parseStackConfig(raw).alarms, { enabled: true, ...ALARM_DEFAULTS });
  });
});
