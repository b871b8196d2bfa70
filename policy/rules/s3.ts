import * as aws from "@pulumi/aws";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { statementsOf } from "../lib/iam";
import { fsbp } from "../lib/metadata";
import { ofType, read, refersTo } from "../lib/stack";

/*
 * S3 buckets are configured through companion resources (public access block, bucket policy,
 * lifecycle), so these are stack rules: they find each bucket's companions by reference.
 */

const BUCKET_TYPES = [aws.s3.Bucket, aws.s3.BucketV2];

function bucketsOf(resources: PolicyResource[]): PolicyResource[] {
  return ofType(resources, ...BUCKET_TYPES);
}

function companionsOf(
  resources: PolicyResource[],
  bucket: PolicyResource,
  ...types: { new (...rest: never[]): unknown }[]
): PolicyResource[] {
  return ofType(resources, ...types).filter((c) => refersTo(c, "bucket", bucket));
}

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
];

export const s3PublicAccessBlocked: StackValidationPolicy = {
  name: "s3-bucket-public-access-blocked",
  description:
    "Every S3 bucket the stack creates (log archives included) has a public access block with all four " +
    "settings on, so no ACL or policy can ever make its objects public (Security Hub FSBP S3.8).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("S3.8", "S3 general purpose buckets should block public access"),
  remediationSteps:
    "Add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
  validateStack: (args, reportViolation) => {
    const buckets = bucketsOf(args.resources);
    if (buckets.length === 0) args.notApplicable("no S3 buckets in this stack");
    for (const bucket of buckets) {
      const blocks = companionsOf(args.resources, bucket, aws.s3.BucketPublicAccessBlock);
      if (blocks.length === 0) {
        reportViolation(`S3 bucket "${bucket.name}" has no public access block.`, bucket.urn);
        continue;
      }
      const off = PUBLIC_ACCESS_FLAGS.filter((flag) => !blocks.some((b) => read(b, flag) === true));
      if (off.length > 0) {
        reportViolation(
          `S3 bucket "${bucket.name}" public access block leaves ${off.join(", ")} off.`,
          bucket.urn,
        );
      }
    }
  },
};

/** True when a bucket policy denies every request made without TLS. */
function deniesInsecureTransport(policy: PolicyResource): boolean {
  let statements;
  try {
    statements = statementsOf(read(policy, "policy"));
  } catch {
    return false;
  }
  return statements.some((statement) => {
    if (statement.Effect !== "Deny") return false;
    const bool = (statement.Condition?.["Bool"] ?? {}) as Record<string, unknown>;
    return String(bool["aws:SecureTransport"]) === "false";
  });
}

export const s3TlsOnly: StackValidationPolicy = {
  name: "s3-bucket-tls-only",
  description:
    "Every S3 bucket has a bucket policy that denies requests without TLS (a Deny on " +
    'aws:SecureTransport = "false"), so logs and artefacts never cross the network in clear text ' +
    "(Security Hub FSBP S3.5).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("S3.5", "S3 general purpose buckets should require requests to use SSL"),
  remediationSteps:
    'Add a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, bucket/*], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
  validateStack: (args, reportViolation) => {
    const buckets = bucketsOf(args.resources);
    if (buckets.length === 0) args.notApplicable("no S3 buckets in this stack");
    for (const bucket of buckets) {
      const policies = companionsOf(args.resources, bucket, aws.s3.BucketPolicy);
      if (!policies.some(deniesInsecureTransport)) {
        reportViolation(
          `S3 bucket "${bucket.name}" has no bucket policy denying aws:SecureTransport = false.`,
          bucket.urn,
        );
      }
    }
  },
};

export const s3Lifecycle: StackValidationPolicy = {
  name: "s3-bucket-lifecycle",
  description:
    "Every S3 bucket has a lifecycle configuration, so logs and other growing data expire instead of " +
    "accumulating cost forever. Advisory: a bucket of durable artefacts may keep everything on purpose " +
    "(Security Hub FSBP S3.13).",
  enforcementLevel: "advisory",
  severity: "low",
  framework: fsbp("S3.13", "S3 general purpose buckets should have Lifecycle configurations"),
  validateStack: (args, reportViolation) => {
    const buckets = bucketsOf(args.resources);
    if (buckets.length === 0) args.notApplicable("no S3 buckets in this stack");
    for (const bucket of buckets) {
      const lifecycles = companionsOf(
        args.resources,
        bucket,
        aws.s3.BucketLifecycleConfiguration,
        aws.s3.BucketLifecycleConfigurationV2,
      );
      if (lifecycles.length === 0) {
        reportViolation(`S3 bucket "${bucket.name}" has no lifecycle configuration.`, bucket.urn);
      }
    }
  },
};
