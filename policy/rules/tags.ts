import * as aws from "@pulumi/aws";
import type { Resource } from "@pulumi/pulumi";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { providerDefaultTags, tagMap } from "../lib/tags";

/** The resources that cost money or hold access and so must say who owns them. */
export const TAGGED_TYPES: { new (...rest: never[]): Resource }[] = [
  aws.ec2.Instance,
  aws.ec2.SecurityGroup,
  aws.ec2.Vpc,
  aws.ec2.Subnet,
  aws.ec2.NatGateway,
  aws.ec2.Eip,
  aws.ec2.InternetGateway,
  aws.ec2.RouteTable,
  aws.ec2.LaunchTemplate,
  aws.ebs.Volume,
  aws.lb.LoadBalancer,
  aws.lb.TargetGroup,
  aws.alb.LoadBalancer,
  aws.alb.TargetGroup,
  aws.ecr.Repository,
  aws.s3.Bucket,
  aws.s3.BucketV2,
  aws.iam.Role,
  aws.iam.InstanceProfile,
];

const tagsConfig = ruleConfig("required-tags", {
  requiredTags: z
    .array(z.string().min(1))
    .default(["berth:app", "berth:stack"])
    .describe(
      "Tag keys every taggable resource carries (directly or through the provider's defaultTags).",
    ),
});

export const requiredTags: ResourceValidationPolicy = {
  name: "required-tags",
  description:
    "Taggable resources (instances, network, load balancer, ECR, IAM roles) carry the requiredTags keys " +
    "(default berth:app and berth:stack, which the berth program writes), directly or through the AWS provider's defaultTags, so cost and ownership " +
    "can be traced. Advisory: missing tags are a bookkeeping gap, not an exposure.",
  enforcementLevel: "advisory",
  severity: "low",
  configSchema: tagsConfig.configSchema,
  remediationSteps: "Add the tags, or set defaultTags on the AWS provider.",
  validateResource: (args, reportViolation) => {
    if (!TAGGED_TYPES.some((type) => args.isType(type as { new (...rest: unknown[]): Resource })))
      args.notApplicable("not a taggable resource type");
    const { requiredTags: required } = tagsConfig.read(args);
    const tags = { ...providerDefaultTags(args.provider), ...tagMap(args.props.tags) };
    const missing = required.filter((key) => !tags[key]);
    if (missing.length > 0) {
      reportViolation(`missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}.`);
    }
  },
};
