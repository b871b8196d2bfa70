import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor } from "../naming";

/** Key prefixes inside the bucket. */
export const ALB_LOG_PREFIX = "alb";
export const FLOW_LOG_PREFIX = "vpc-flow";

/**
 * Regions opened before Asia Pacific (Jakarta), where ELB writes access logs as a regional AWS
 * account (the provider's `aws.elb.getServiceAccount` knows these only). Every newer region writes
 * as the log-delivery service principal, and the lookup fails there.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export const ELB_ACCOUNT_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-north-1",
  "me-south-1",
  "sa-east-1",
  "us-gov-west-1",
  "us-gov-east-1",
  "cn-north-1",
  "cn-northwest-1",
]);

/**
 * The bucket policy that lets the ALB and VPC flow logs write (and nothing else), and refuses
 * plain HTTP. ELB writes as the region's ELB account in older regions (`elbAccountArn`) and as
 * the log-delivery service in newer ones (no `elbAccountArn`); the service is always allowed, on
 * the ALB prefix only.
 */
export function logBucketPolicy(args: {
  bucketArn: string;
  accountId: string;
  elbAccountArn?: string;
}): string {
  const { bucketArn, accountId, elbAccountArn } = args;
  const albObjects = `${bucketArn}/${ALB_LOG_PREFIX}/AWSLogs/${accountId}/*`;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      ...(elbAccountArn
        ? [
            {
              Sid: "AlbAccessLogsRegionalAccount",
              Effect: "Allow",
              Principal: { AWS: elbAccountArn },
              Action: "s3:PutObject",
              Resource: albObjects,
            },
          ]
        : []),
      {
        Sid: "AlbAccessLogsDeliveryService",
        Effect: "Allow",
        Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: albObjects,
      },
      {
        Sid: "FlowLogsWrite",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${FLOW_LOG_PREFIX}/AWSLogs/${accountId}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
      {
        Sid: "FlowLogsAclCheck",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "s3:GetBucketAcl",
        Resource: bucketArn,
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });
}

export interface LogArchiveArgs {
  /** App name: prefix of every child's name. */
  app: string;
  /** Stack name, for tags. */
  stack: string;
  /** The stack's own tags. */
  tags: Record<string, string>;
  /** Days before log objects expire. */
  retentionDays: number;
  /** The VPC whose traffic is logged. */
  vpcId: pulumi.Input<string>;
  /** The stack's region: decides how ELB writes its logs (see ELB_ACCOUNT_REGIONS). */
  region: string;
}

/**
 * An S3 bucket for the ALB's access logs and the VPC's flow logs: private, owner-enforced,
 * SSE-S3 encrypted (ALB access logs support no KMS key), TLS only, expiring after the retention.
 */
export class LogArchive extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  /** Resources the ALB must wait for: it checks write access when logging is switched on. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: LogArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:logs:LogArchive", name, {}, opts);
    const parent = { parent: this };

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { forceDestroy: false, tags: tagsFor(args, `${name}-bucket`) },
      parent,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-retention`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-logs",
            status: "Enabled",
            filter: {},
            expiration: { days: args.retentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      parent,
    );
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    const elbAccountArn = ELB_ACCOUNT_REGIONS.has(args.region)
      ? aws.elb.getServiceAccountOutput({}, parent).arn
      : pulumi.output(undefined);
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([bucket.arn, accountId, elbAccountArn])
          .apply(([bucketArn, account, elbArn]) =>
            logBucketPolicy({ bucketArn, accountId: account, elbAccountArn: elbArn }),
          ),
      },
      { parent: this, dependsOn: [publicAccess, ownership] },
    );
    new aws.ec2.FlowLog(
      `${name}-vpc-flow`,
      {
        vpcId: args.vpcId,
        trafficType: "ALL",
        logDestinationType: "s3",
        logDestination: pulumi.interpolate`${bucket.arn}/${FLOW_LOG_PREFIX}`,
        maxAggregationInterval: 600,
        tags: tagsFor(args, `${name}-vpc-flow`),
      },
      { parent: this, dependsOn: [policy] },
    );

    this.bucketName = bucket.bucket;
    this.ready = [policy, encryption];
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
