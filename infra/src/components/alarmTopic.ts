import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmTopicKeyPolicy } from "../alarmTopicKey";
import { tagsFor } from "../naming";

export interface AlarmTopicArgs {
  app: string;
  stack: string;
  tags: Record<string, string>;
  /** Addresses subscribed by email; each confirms once from the mail SNS sends. */
  emails: string[];
}

/**
 * Where alarms go: an SNS topic, encrypted with a key of its own that CloudWatch may use, with one
 * email subscription per address.
 */
export class AlarmTopic extends pulumi.ComponentResource {
  public readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:alarms:AlarmTopic", name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => tagsFor(args, `${name}-${suffix}`);
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const partition = aws.getPartitionOutput({}, parent).partition;
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `berth alarm topic of ${args.app}/${args.stack}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.all([partition, account]).apply(([p, a]) => alarmTopicKeyPolicy(p, a)),
        tags: tags("key"),
      },
      parent,
    );
    const topic = new aws.sns.Topic(
      `${name}-topic`,
      {
        name: `${args.app}-${args.stack}-alarms`,
        displayName: `berth ${args.app}/${args.stack}`,
        kmsMasterKeyId: key.arn,
        tags: tags("topic"),
      },
      parent,
    );
    // Named by address, so removing one address leaves the others' confirmed subscriptions alone.
    args.emails.forEach(
      (email) =>
        new aws.sns.TopicSubscription(
          `${name}-email-${email.toLowerCase()}`,
          { topic: topic.arn, protocol: "email", endpoint: email },
          parent,
        ),
    );
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
