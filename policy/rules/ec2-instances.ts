import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { credentialFindings } from "../lib/credentials";
import { fsbp } from "../lib/metadata";
import { UserDataText, userDataTexts } from "../lib/user-data";

/** Reports unless `metadataOptions.httpTokens` is "required" (IMDSv2 only). */
function checkHttpTokens(
  what: string,
  metadataOptions: { httpTokens?: string } | undefined,
  reportViolation: ReportViolation,
): void {
  const tokens = metadataOptions?.httpTokens;
  if (tokens === "required") return;
  reportViolation(
    `${what} metadataOptions.httpTokens is ${JSON.stringify(tokens ?? "optional (default)")}; set it to "required" (IMDSv2).`,
  );
}

export const imdsv2Required: ResourceValidationPolicy = {
  name: "ec2-imdsv2-required",
  description:
    "EC2 instances, spot instance requests, launch templates and launch configurations require IMDSv2 " +
    "session tokens (metadataOptions.httpTokens = " +
    '"required"), so an SSRF in the app cannot read the instance role\'s credentials ' +
    "(Security Hub FSBP EC2.8; EC2.170 for launch templates).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp(
    "EC2.8, EC2.170",
    "EC2 instances (EC2.8) and launch templates (EC2.170) should use IMDSv2",
  ),
  remediationSteps: 'Set metadataOptions: { httpTokens: "required" }.',
  validateResource: [
    validateResourceOfType(aws.ec2.Instance, (instance, _args, report) =>
      checkHttpTokens("instance", instance.metadataOptions, report),
    ),
    validateResourceOfType(aws.ec2.SpotInstanceRequest, (request, _args, report) =>
      checkHttpTokens("spot instance request", request.metadataOptions, report),
    ),
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, _args, report) =>
      checkHttpTokens("launch template", template.metadataOptions, report),
    ),
    validateResourceOfType(aws.ec2.LaunchConfiguration, (configuration, _args, report) =>
      checkHttpTokens("launch configuration", configuration.metadataOptions, report),
    ),
  ],
};

const hopLimitConfig = ruleConfig("ec2-imds-hop-limit", {
  maxHopLimit: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe(
      "Largest allowed metadataOptions.httpPutResponseHopLimit. 1 keeps containers on a bridge network away from the instance role.",
    ),
});

export const imdsHopLimit: ResourceValidationPolicy = {
  name: "ec2-imds-hop-limit",
  description:
    "EC2 instances keep the IMDSv2 PUT response hop limit at 1, so app containers on a Docker bridge " +
    "network cannot fetch the instance role's credentials (the host's ECR credential helper still can). " +
    "Advisory: a container that legitimately needs the role would need 2.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: hopLimitConfig.configSchema,
  remediationSteps: "Set metadataOptions.httpPutResponseHopLimit to 1.",
  validateResource: validateResourceOfType(aws.ec2.Instance, (instance, args, reportViolation) => {
    const { maxHopLimit } = hopLimitConfig.read(args);
    const hopLimit = instance.metadataOptions?.httpPutResponseHopLimit;
    if (hopLimit === undefined || hopLimit > maxHopLimit) {
      reportViolation(
        `metadataOptions.httpPutResponseHopLimit is ${hopLimit ?? "unset (AMI default, often 2)"}; ` +
          `set it to ${maxHopLimit} or lower so containers cannot reach the instance role.`,
      );
    }
  }),
};

/** `t3.*` style patterns: `*` matches any run of characters, everything else is literal. */
function matchesInstanceTypePattern(instanceType: string, pattern: string): boolean {
  const regex = new RegExp(
    "^" +
      pattern
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*") +
      "$",
  );
  return regex.test(instanceType);
}

const instanceTypesConfig = ruleConfig("ec2-allowed-instance-types", {
  allowedInstanceTypes: z
    .array(z.string().regex(/^[a-z0-9*]+\.[a-z0-9*]+$/, "must look like t3.small or t3.*"))
    .min(1)
    .default([
      "t3.*",
      "t3a.*",
      "t4g.*",
      "m6i.large",
      "m6i.xlarge",
      "m7i.large",
      "m7i.xlarge",
      "c7i.large",
    ])
    .describe("Instance types hosts may use; `*` matches any size (t3.*)."),
});

export const allowedInstanceTypes: ResourceValidationPolicy = {
  name: "ec2-allowed-instance-types",
  description:
    "EC2 hosts and launch templates use an instance type from the policy config's allowedInstanceTypes " +
    "(default: burstable t3/t3a/t4g and a few large general-purpose sizes), so a typo in stack config " +
    "cannot start a fleet of expensive machines.",
  enforcementLevel: "mandatory",
  severity: "medium",
  configSchema: instanceTypesConfig.configSchema,
  remediationSteps:
    "Change berth:hosts.instanceType, or add the type to allowedInstanceTypes in the policy config.",
  validateResource: [
    validateResourceOfType(aws.ec2.Instance, (instance, args, reportViolation) => {
      const { allowedInstanceTypes: allowed } = instanceTypesConfig.read(args);
      const type = instance.instanceType;
      if (type === undefined || !allowed.some((p) => matchesInstanceTypePattern(String(type), p))) {
        reportViolation(
          `instance type ${JSON.stringify(type ?? "(unset)")} is not in allowedInstanceTypes [${allowed.join(", ")}].`,
        );
      }
    }),
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, args, reportViolation) => {
      const { allowedInstanceTypes: allowed } = instanceTypesConfig.read(args);
      const type = template.instanceType;
      if (type !== undefined && !allowed.some((p) => matchesInstanceTypePattern(type, p))) {
        reportViolation(
          `launch template instance type ${JSON.stringify(type)} is not in allowedInstanceTypes [${allowed.join(", ")}].`,
        );
      }
    }),
  ],
};

/** Reports each credential found, naming where in the (decoded) user data it sits. */
function checkUserData(
  what: string,
  texts: UserDataText[],
  reportViolation: ReportViolation,
): void {
  for (const { where, text } of texts) {
    for (const finding of credentialFindings(text)) {
      reportViolation(
        `${what} ${where} contains ${finding}; remove it and rely on the instance profile.`,
      );
    }
  }
}

export const userDataNoCredentials: ResourceValidationPolicy = {
  name: "ec2-user-data-no-credentials",
  description:
    "EC2 user data (instances, spot requests, launch templates and configurations; plain, base64 or " +
    "gzip, and every cloud-init write_files entry decoded from b64, gz or gz+b64) carries no AWS " +
    "keys, private keys or registry passwords: user data is readable by every process on the host through IMDS and by " +
    "anyone with ec2:DescribeInstanceAttribute. Hosts get credentials from their instance profile.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Use the instance profile (ECR credential helper) instead of keys; pass app secrets at release time over SSH stdin.",
  validateResource: [
    validateResourceOfType(aws.ec2.Instance, (instance, _args, report) =>
      checkUserData(
        "instance",
        userDataTexts(
          [{ key: "userData", value: instance.userData }],
          [{ key: "userDataBase64", value: instance.userDataBase64 }],
        ),
        report,
      ),
    ),
    validateResourceOfType(aws.ec2.SpotInstanceRequest, (request, _args, report) =>
      checkUserData(
        "spot instance request",
        userDataTexts(
          [{ key: "userData", value: request.userData }],
          [{ key: "userDataBase64", value: request.userDataBase64 }],
        ),
        report,
      ),
    ),
    validateResourceOfType(aws.ec2.LaunchConfiguration, (configuration, _args, report) =>
      checkUserData(
        "launch configuration",
        userDataTexts(
          [{ key: "userData", value: configuration.userData }],
          [{ key: "userDataBase64", value: configuration.userDataBase64 }],
        ),
        report,
      ),
    ),
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, _args, report) =>
      checkUserData(
        "launch template",
        userDataTexts([], [{ key: "userData (base64)", value: template.userData }]),
        report,
      ),
    ),
  ],
};
