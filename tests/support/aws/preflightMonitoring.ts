/**
 * AWS's input rules for the certificate, alarm, dashboard and notification resources (berth:domain,
 * berth:alarms): part of the preflight table (preflight.ts). Pure.
 */
import type { BreakingFixture, PreflightResource, PreflightRule } from "./preflight";

type Fields = Record<string, unknown>;

export const MONITORING_TYPES = {
  certificate: "aws:acm/certificate:Certificate",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  snsTopic: "aws:sns/topic:Topic",
} as const;

interface Violation {
  field: string;
  value: unknown;
  reason: string;
}

const isString = (value: unknown): value is string => typeof value === "string";
const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 100)}..." (${text.length} characters)` : text;
};

function rule(
  spec: Omit<PreflightRule, "check"> & { inspect(resource: PreflightResource): Violation[] },
): PreflightRule {
  const { inspect, ...rest } = spec;
  return {
    ...rest,
    check: (resource) =>
      rest.types.includes(resource.type)
        ? inspect(resource).map(
            (v) =>
              `${resource.type} ${resource.name}: ${v.field} ${show(v.value)} ${v.reason} [${rest.id}]`,
          )
        : [],
  };
}

const fixture = (type: string, inputs: Fields, state?: Fields): PreflightResource => ({
  type,
  name: "fixture",
  inputs,
  ...(state ? { state } : {}),
});
const breaks = (field: string, resource: PreflightResource): BreakingFixture => ({
  field,
  resource,
});

/** The name AWS sees: the program's, else the mocked auto-name, else the logical name + 8. */
function physicalName(resource: PreflightResource): { field: string; name: string } {
  const set = resource.inputs.name;
  if (isString(set)) return { field: "name", name: set };
  const mocked = resource.state?.name;
  return {
    field: "name (auto-named)",
    name: isString(mocked) ? mocked : `${resource.name}-0a1b2c3`,
  };
}

const ACM_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why ACM refuses a certificate name: 1-253 characters, labels of 1-63, one leading `*.` at most. */
function acmNameReasons(name: string): string[] {
  const reasons: string[] = [];
  if (name.length < 1 || name.length > 253)
    reasons.push(`is ${name.length} characters; it must be 1 to 253`);
  const labels = (name.startsWith("*.") ? name.slice(2) : name).split(".");
  if (labels.some((l) => l.includes("*")))
    reasons.push("may hold one * only, as its whole first label (*.example.com)");
  else if (labels.some((l) => !ACM_LABEL.test(l)))
    reasons.push("has a label that is not 1-63 letters, digits or inner hyphens");
  if (labels.length < 2) reasons.push("must have at least two labels");
  return reasons;
}

const COMPARISON_OPERATORS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
  "LessThanLowerOrGreaterThanUpperThreshold",
  "LessThanLowerThreshold",
  "GreaterThanUpperThreshold",
];
const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const TREAT_MISSING_DATA = ["breaching", "notBreaching", "ignore", "missing"];
/** p0.0-p100, tm/wm/tc/ts/pr with a value or range: the percentile form berth uses is pNN(.N). */
const EXTENDED_STATISTIC = /^(p|tm|wm|tc|ts)\d{1,3}(\.\d+)?$/;

/** A period CloudWatch takes: 10, 30 (high resolution) or a multiple of 60 seconds. */
function periodReason(period: unknown): string | undefined {
  if (period === undefined) return undefined;
  const n = Number(period);
  if (Number.isInteger(n) && (n === 10 || n === 30 || (n > 0 && n % 60 === 0))) return undefined;
  return "must be 10, 30 or a multiple of 60 seconds";
}

function alarmPeriods(alarm: Fields): Violation[] {
  const found: Violation[] = [];
  const top = periodReason(alarm.period);
  if (top) found.push({ field: "period", value: alarm.period, reason: top });
  const queries = Array.isArray(alarm.metricQueries) ? (alarm.metricQueries as Fields[]) : [];
  queries.forEach((query, i) => {
    const metric = (query.metric ?? {}) as Fields;
    const reason = periodReason(metric.period);
    if (reason)
      found.push({ field: `metricQueries[${i}].metric.period`, value: metric.period, reason });
  });
  return found;
}

const ALARM_API =
  "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html";

const alarm = (inputs: Fields) =>
  fixture(MONITORING_TYPES.metricAlarm, {
    name: "shop-api-prod-cpu-host-1",
    comparisonOperator: "GreaterThanThreshold",
    evaluationPeriods: 5,
    metricName: "CPUUtilization",
    namespace: "AWS/EC2",
    period: 60,
    statistic: "Average",
    threshold: 85,
    ...inputs,
  });

export const monitoringRules: PreflightRule[] = [
  rule({
    id: "acm-certificate-names",
    requirement:
      "A certificate's domain name and each alternative name is 1 to 253 characters of labels of 1-63 letters, digits or inner hyphens, with at most one leading *. label; at most 10 names in all.",
    types: [MONITORING_TYPES.certificate],
    docs: "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html",
    inspect: (r) => {
      const found: Violation[] = [];
      if (isString(r.inputs.domainName))
        for (const reason of acmNameReasons(r.inputs.domainName))
          found.push({ field: "domainName", value: r.inputs.domainName, reason });
      const sans = Array.isArray(r.inputs.subjectAlternativeNames)
        ? (r.inputs.subjectAlternativeNames as unknown[])
        : [];
      sans.forEach((name, i) => {
        if (isString(name))
          for (const reason of acmNameReasons(name))
            found.push({ field: `subjectAlternativeNames[${i}]`, value: name, reason });
      });
      if (sans.length + 1 > 10)
        found.push({
          field: "subjectAlternativeNames",
          value: sans,
          reason: `makes ${sans.length + 1} names; ACM allows 10 per certificate`,
        });
      return found;
    },
    breaking: [
      breaks(
        "domainName",
        fixture(MONITORING_TYPES.certificate, { domainName: `${"a".repeat(64)}.example.com` }),
      ),
      breaks(
        "subjectAlternativeNames[0]",
        fixture(MONITORING_TYPES.certificate, {
          domainName: "example.com",
          subjectAlternativeNames: ["*.*.example.com"],
        }),
      ),
      breaks(
        "domainName",
        fixture(MONITORING_TYPES.certificate, {
          domainName: `${Array.from({ length: 5 }, () => "a".repeat(50)).join(".")}.com`,
        }),
      ),
      breaks(
        "subjectAlternativeNames",
        fixture(MONITORING_TYPES.certificate, {
          domainName: "example.com",
          subjectAlternativeNames: Array.from({ length: 10 }, (_, i) => `a${i}.example.com`),
        }),
      ),
    ],
    passing: [
      fixture(MONITORING_TYPES.certificate, {
        domainName: "shop.example.com",
        subjectAlternativeNames: ["*.example.com", "example.com"],
      }),
    ],
  }),
  rule({
    id: "cloudwatch-alarm-name",
    requirement: "An alarm name is 1 to 255 characters.",
    types: [MONITORING_TYPES.metricAlarm],
    docs: ALARM_API,
    inspect: (r) => {
      const { field, name } = physicalName(r);
      return name.length < 1 || name.length > 255
        ? [{ field, value: name, reason: `is ${name.length} characters; it must be 1 to 255` }]
        : [];
    },
    breaking: [
      breaks("name", alarm({ name: "a".repeat(256) })),
      breaks("name", alarm({ name: "" })),
    ],
    passing: [alarm({})],
  }),
  rule({
    id: "cloudwatch-alarm-shape",
    requirement:
      "An alarm has a known comparison operator and treatMissingData, at least one evaluation period, datapointsToAlarm no more than evaluationPeriods, and exactly one of statistic (SampleCount, Average, Sum, Minimum, Maximum), extendedStatistic (p99 ...) or metricQueries.",
    types: [MONITORING_TYPES.metricAlarm],
    docs: ALARM_API,
    inspect: (r) => {
      const a = r.inputs;
      const found: Violation[] = [];
      if (!COMPARISON_OPERATORS.includes(String(a.comparisonOperator)))
        found.push({
          field: "comparisonOperator",
          value: a.comparisonOperator,
          reason: `must be one of ${COMPARISON_OPERATORS.join(", ")}`,
        });
      if (
        a.treatMissingData !== undefined &&
        !TREAT_MISSING_DATA.includes(String(a.treatMissingData))
      )
        found.push({
          field: "treatMissingData",
          value: a.treatMissingData,
          reason: `must be one of ${TREAT_MISSING_DATA.join(", ")}`,
        });
      const periods = Number(a.evaluationPeriods);
      if (!Number.isInteger(periods) || periods < 1)
        found.push({
          field: "evaluationPeriods",
          value: a.evaluationPeriods,
          reason: "must be a whole number of at least 1",
        });
      if (a.datapointsToAlarm !== undefined && Number(a.datapointsToAlarm) > periods)
        found.push({
          field: "datapointsToAlarm",
          value: a.datapointsToAlarm,
          reason: "must not exceed evaluationPeriods",
        });
      const kinds = ["statistic", "extendedStatistic", "metricQueries"].filter(
        (k) => a[k] !== undefined,
      );
      if (kinds.length !== 1)
        found.push({
          field: "statistic",
          value: kinds,
          reason: "exactly one of statistic, extendedStatistic or metricQueries must be set",
        });
      if (a.statistic !== undefined && !STATISTICS.includes(String(a.statistic)))
        found.push({
          field: "statistic",
          value: a.statistic,
          reason: `must be one of ${STATISTICS.join(", ")}`,
        });
      if (
        a.extendedStatistic !== undefined &&
        !EXTENDED_STATISTIC.test(String(a.extendedStatistic))
      )
        found.push({
          field: "extendedStatistic",
          value: a.extendedStatistic,
          reason: "must be a percentile like p99",
        });
      if (
        a.metricQueries !== undefined &&
        (a.metricName !== undefined || a.namespace !== undefined)
      )
        found.push({
          field: "metricName",
          value: a.metricName,
          reason: "must not be set with metricQueries",
        });
      return found;
    },
    breaking: [
      breaks("comparisonOperator", alarm({ comparisonOperator: "GreaterThan" })),
      breaks("treatMissingData", alarm({ treatMissingData: "notbreaching" })),
      breaks("statistic", alarm({ extendedStatistic: "p99" })),
      breaks("statistic", alarm({ statistic: "p99" })),
      breaks("extendedStatistic", alarm({ statistic: undefined, extendedStatistic: "99th" })),
      breaks("datapointsToAlarm", alarm({ datapointsToAlarm: 6 })),
    ],
    passing: [
      alarm({}),
      alarm({ statistic: undefined, extendedStatistic: "p99", treatMissingData: "notBreaching" }),
    ],
  }),
  rule({
    id: "cloudwatch-alarm-period",
    requirement:
      "An alarm's period (and each metric query's) is 10, 30 or a multiple of 60 seconds.",
    types: [MONITORING_TYPES.metricAlarm],
    docs: ALARM_API,
    inspect: (r) => alarmPeriods(r.inputs),
    breaking: [
      breaks("period", alarm({ period: 90 })),
      breaks(
        "metricQueries[1].metric.period",
        alarm({
          metricName: undefined,
          namespace: undefined,
          statistic: undefined,
          period: undefined,
          metricQueries: [
            { id: "e1", expression: "m1", returnData: true },
            {
              id: "m1",
              metric: {
                metricName: "RequestCount",
                namespace: "AWS/ApplicationELB",
                period: 45,
                stat: "Sum",
              },
            },
          ],
        }),
      ),
    ],
    passing: [alarm({}), alarm({ period: 300 }), alarm({ period: 10 })],
  }),
  rule({
    id: "cloudwatch-dashboard",
    requirement:
      "A dashboard name is 1 to 255 characters of A-Z a-z 0-9 - and _; its body is a JSON object with a widgets list.",
    types: [MONITORING_TYPES.dashboard],
    docs: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
    inspect: (r) => {
      const found: Violation[] = [];
      const name = r.inputs.dashboardName;
      if (!isString(name) || !/^[A-Za-z0-9_-]{1,255}$/.test(name))
        found.push({
          field: "dashboardName",
          value: name,
          reason: "must be 1 to 255 of A-Z a-z 0-9 - and _",
        });
      const body = r.inputs.dashboardBody;
      if (isString(body)) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        if (!Array.isArray((parsed as Fields | undefined)?.widgets))
          found.push({
            field: "dashboardBody",
            value: body,
            reason: "must be a JSON object with a widgets list",
          });
      }
      return found;
    },
    breaking: [
      breaks(
        "dashboardName",
        fixture(MONITORING_TYPES.dashboard, {
          dashboardName: "shop api",
          dashboardBody: '{"widgets":[]}',
        }),
      ),
      breaks(
        "dashboardBody",
        fixture(MONITORING_TYPES.dashboard, {
          dashboardName: "shop-api",
          dashboardBody: "{widgets:[]}",
        }),
      ),
    ],
    passing: [
      fixture(MONITORING_TYPES.dashboard, {
        dashboardName: "shop-api-prod",
        dashboardBody: '{"widgets":[]}',
      }),
    ],
  }),
  rule({
    id: "sns-topic-name",
    requirement: "A topic name is 1 to 256 of A-Z a-z 0-9 - and _ (a FIFO topic's ends in .fifo).",
    types: [MONITORING_TYPES.snsTopic],
    docs: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    inspect: (r) => {
      const { field, name } = physicalName(r);
      const bare = r.inputs.fifoTopic === true ? name.replace(/\.fifo$/, "") : name;
      return /^[A-Za-z0-9_-]{1,256}$/.test(bare) &&
        (r.inputs.fifoTopic !== true || name.endsWith(".fifo"))
        ? []
        : [
            {
              field,
              value: name,
              reason: "must be 1 to 256 of A-Z a-z 0-9 - and _ (FIFO: ending in .fifo)",
            },
          ];
    },
    breaking: [
      breaks("name", fixture(MONITORING_TYPES.snsTopic, { name: "shop-api.alarms" })),
      breaks("name", fixture(MONITORING_TYPES.snsTopic, { name: "a".repeat(257) })),
    ],
    passing: [fixture(MONITORING_TYPES.snsTopic, { name: "shop-api-prod-alarms" })],
  }),
];
