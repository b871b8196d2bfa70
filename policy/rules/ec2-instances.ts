import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { fsbp } from "../lib/metadata";

export const imdsv2Required: ResourceValidationPolicy = {
  name: "ec2-imdsv2-required",
  description:
    "EC2 instances and launch templates require IMDSv2 session tokens (metadataOptions.httpTokens = " +
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
    validateResourceOfType(aws.ec2.Instance, (instance, _args, reportViolation) => {
      if (instance.metadataOptions?.httpTokens !== "required") {
        reportViolation(
          `instance metadataOptions.httpTokens is ${JSON.stringify(instance.metadataOptions?.httpTokens ?? "optional (default)")}; set it to "required" (IMDSv2).`,
        );
      }
    }),
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, _args, reportViolation) => {
      if (template.metadataOptions?.httpTokens !== "required") {
        reportViolation(
          `launch template metadataOptions.httpTokens is ${JSON.stringify(template.metadataOptions?.httpTokens ?? "optional (default)")}; set it to "required" (IMDSv2).`,
        );
      }
    }),
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

const CREDENTIAL_PATTERNS: { what: string; pattern: RegExp }[] = [
  { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "an AWS secret access key assignment", pattern: /aws_secret_access_key\s*[=:]/i },
  { what: "a private key", pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/ },
  { what: "a registry password flag", pattern: /docker\s+login\b[^\n]*\s(?:-p|--password)[\s=]\S/ },
];

function decodeBase64(text: string): string {
  try {
    return Buffer.from(text, "base64").toString("utf8");
  } catch {
    return "";
  }
}

function credentialFindings(userData: string): string[] {
  return CREDENTIAL_PATTERNS.filter(({ pattern }) => pattern.test(userData)).map(
    ({ what }) => what,
  );
}

export const userDataNoCredentials: ResourceValidationPolicy = {
  name: "ec2-user-data-no-credentials",
  description:
    "EC2 user data (plain or base64, instances and launch templates) carries no AWS keys, private keys " +
    "or registry passwords: user data is readable by every process on the host through IMDS and by " +
    "anyone with ec2:DescribeInstanceAttribute. Hosts get credentials from their instance profile.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "Use the instance profile (ECR credential helper) instead of keys; pass app secrets at release time over SSH stdin.",
  validateResource: [
    validateResourceOfType(aws.ec2.Instance, (instance, _args, reportViolation) => {
      const text = [instance.userData ?? "", decodeBase64(instance.userDataBase64 ?? "")].join(
        "\n",
      );
      for (const what of credentialFindings(text)) {
        reportViolation(`user data contains ${what}; remove it and rely on the instance profile.`);
      }
    }),
    validateResourceOfType(aws.ec2.LaunchTemplate, (template, _args, reportViolation) => {
      for (const what of credentialFindings(decodeBase64(template.userData ?? ""))) {
        reportViolation(
          `launch template user data contains ${what}; remove it and rely on the instance profile.`,
        );
      }
    }),
  ],
};
