import { appLogsStatement } from "./appLogs";
import { hostKeyReadStatement } from "./hostKeys";

/**
 * What the host role may do: pull the stack's images from ECR and read the hosts' own SSH host
 * key parameters (hostKeys.ts), nothing else. AWS's managed
 * AmazonEC2ContainerRegistryPullOnly covers every repository in the account, and
 * AmazonSSMManagedInstanceCore grants ssm:GetParameter* on "*" while nothing on the host uses it.
 */

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)(?:[:@].*)?$/;

/** The repository ARN of an ECR image reference, or undefined for another registry. */
export function ecrRepositoryArn(imageReference: string, partition: string): string | undefined {
  const match = ECR_IMAGE.exec(imageReference);
  if (!match) return undefined;
  const [, account, region, repository] = match;
  return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}

/** The account and region of an ECR image reference, or undefined for another registry. */
export function ecrImageRegistry(
  imageReference: string,
): { account: string; region: string } | undefined {
  const match = ECR_IMAGE.exec(imageReference);
  if (!match) return undefined;
  return { account: match[1] as string, region: match[2] as string };
}

/**
 * What the CloudWatch agent needs (berth:alarms): PutMetricData into its own namespace only.
 * PutMetricData has no resource-level permissions (AWS requires "*"); the namespace condition key
 * is what narrows it, instead of the managed CloudWatchAgentServerPolicy (any namespace, logs,
 * ec2:Describe*, SSM parameters).
 */
export function agentMetricsStatement(namespace: string) {
  return {
    Sid: "CloudWatchAgentMetrics",
    Effect: "Allow",
    Action: "cloudwatch:PutMetricData",
    Resource: "*",
    Condition: { StringEquals: { "cloudwatch:namespace": namespace } },
  };
}

/**
 * The host role's one inline policy: an ECR token, pulls from these repositories only, reads
 * of these SSM parameters only (the hosts' host keys, by exact ARN), and with a namespace the
 * CloudWatch agent's metrics into it.
 */
export function hostPullPolicy(
  repositoryArns: string[],
  hostKeyParameterArns: string[] = [],
  agentMetricsNamespace?: string,
  appLogGroupArns: string[] = [],
): string {
  const repositories = [...new Set(repositoryArns)].sort();
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
      { Sid: "EcrToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      ...(repositories.length > 0
        ? [
            {
              Sid: "PullStackImages",
              Effect: "Allow",
              Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
              ],
              Resource: repositories,
            },
          ]
        : []),
      ...(hostKeyParameterArns.length > 0 ? [hostKeyReadStatement(hostKeyParameterArns)] : []),
      ...(agentMetricsNamespace ? [agentMetricsStatement(agentMetricsNamespace)] : []),
      ...(appLogGroupArns.length > 0 ? [appLogsStatement(appLogGroupArns)] : []),
    ],
  });
}
