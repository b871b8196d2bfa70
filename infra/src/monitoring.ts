import * as pulumi from "@pulumi/pulumi";
import { AlarmTopic } from "./components/alarmTopic";
import { Alarms } from "./components/alarms";
import { Dashboard } from "./components/dashboard";
import { LoadBalancer } from "./components/loadBalancer";
import { StackConfig } from "./config";

/**
 * berth:alarms: the topic, the alarms on the ALB and every host, and the dashboard. A topic with no
 * subscriber is said once here; the policy pack refuses it in production.
 */
export function createMonitoring(
  config: StackConfig,
  base: { app: string; stack: string; tags: Record<string, string> },
  opts: pulumi.ComponentResourceOptions,
  targets: {
    loadBalancer: LoadBalancer;
    hosts: { name: string; instanceId: pulumi.Output<string> }[];
    release: { app: pulumi.Output<string>; proxy: pulumi.Output<string> };
  },
): { topic: AlarmTopic; alarms: Alarms; dashboard: Dashboard } {
  const { emails, ...settings } = config.alarms;
  if (emails.length === 0)
    void pulumi.log.warn(
      "berth:alarms.emails is empty: the alarms notify no one; add an address with pulumi config set --path 'berth:alarms.emails[0]' ops@example.com",
    );
  const topic = new AlarmTopic(`${config.app}-alarm-topic`, { ...base, emails }, opts);
  const loadBalancer = {
    arnSuffix: targets.loadBalancer.arnSuffix,
    targetGroupArnSuffix: targets.loadBalancer.targetGroupArnSuffix,
  };
  const alarms = new Alarms(
    `${config.app}-alarms`,
    {
      ...base,
      region: config.region,
      thresholds: settings,
      topicArn: topic.topicArn,
      loadBalancer,
      hosts: targets.hosts,
    },
    opts,
  );
  const dashboard = new Dashboard(
    `${config.app}-dashboard`,
    {
      app: config.app,
      stack: base.stack,
      region: config.region,
      loadBalancer,
      hosts: targets.hosts,
      release: targets.release,
      alarmArns: alarms.alarms.map((a) => a.arn),
    },
    opts,
  );
  return { topic, alarms, dashboard };
}
