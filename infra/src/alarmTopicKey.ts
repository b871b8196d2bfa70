/**
 * The key policy of the alarm topic's KMS key. Not the AWS managed alias/aws/sns: its policy (which
 * nobody can edit) does not let CloudWatch use the key, so an alarm could not publish to a topic
 * encrypted with it ("CloudWatch Alarms does not have authorization to access the SNS topic
 * encryption key"). Pure.
 */
export function alarmTopicKeyPolicy(partition: string, accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        // The account's IAM policies decide who administers the key (the default key policy).
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });
}
