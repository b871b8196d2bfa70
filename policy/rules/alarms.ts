import * as aws from "@pulumi/aws";
import { StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { ofType, read, referenced, refersTo } from "../lib/stack";
import { isProductionStack, stageSettings, stackNameOf } from "../lib/stage";

const alarmsConfig = ruleConfig("production-alarms-notify", {
  ...stageSettings,
  subscribedTopicArns: z
    .array(z.string().regex(/^arn:aws[a-z-]*:sns:/, "must be an SNS topic ARN"))
    .default([])
    .describe(
      "SNS topics outside the stack known to have subscribers (an on-call tool's): an alarm action to one of these counts too.",
    ),
});

export const productionAlarmsNotify: StackValidationPolicy = {
  name: "production-alarms-notify",
  description:
    "Production has at least one CloudWatch alarm whose alarm action is an SNS topic with a subscription " +
    "(in the stack, or listed in subscribedTopicArns): an alarm nobody receives finds nothing out.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: alarmsConfig.configSchema,
  remediationSteps:
    "Set berth:alarms.enabled to true and at least one address in berth:alarms.emails (pulumi config set --path 'berth:alarms.emails[0]' ops@example.com).",
  validateStack: (args, reportViolation) => {
    const settings = alarmsConfig.read(args);
    if (!isProductionStack(args.resources, settings)) {
      args.notApplicable("not a production stack");
    }
    const alarms = ofType(args.resources, aws.cloudwatch.MetricAlarm);
    const stack = stackNameOf(args.resources);
    if (alarms.length === 0) {
      reportViolation(
        `production stack ${stack} has no CloudWatch alarm: nobody learns of 5xx, unhealthy hosts or a failed instance.`,
      );
      return;
    }
    const subscriptions = ofType(args.resources, aws.sns.TopicSubscription);
    const subscribed = ofType(args.resources, aws.sns.Topic).filter((topic) =>
      subscriptions.some((s) => refersTo(s, "topic", topic)),
    );
    const notifying = alarms.filter((alarm) => {
      if (referenced(alarm, "alarmActions", subscribed).length > 0) return true;
      const actions = read(alarm, "alarmActions");
      if (!Array.isArray(actions)) return false;
      return actions.some((_, i) => {
        try {
          const action: unknown = actions[i];
          return typeof action === "string" && settings.subscribedTopicArns.includes(action);
        } catch {
          return false; // unknown during preview
        }
      });
    });
    if (notifying.length === 0) {
      reportViolation(
        `none of the ${alarms.length} alarms of production stack ${stack} notifies an SNS topic with a subscription: they would change state unseen.`,
      );
    }
  },
};
