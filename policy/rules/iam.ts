import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import {
  allowsAnyPrincipal,
  describeStatement,
  isAllow,
  notActions,
  statementsOf,
  wildcardActions,
} from "../lib/iam";
import { fsbp } from "../lib/metadata";

function checkPermissionsDocument(
  document: unknown,
  where: string,
  reportViolation: ReportViolation,
): void {
  let statements;
  try {
    statements = statementsOf(document);
  } catch (error) {
    reportViolation(`${where} is not a readable policy document: ${(error as Error).message}`);
    return;
  }
  statements.forEach((statement, index) => {
    if (!isAllow(statement)) return;
    const wildcards = wildcardActions(statement);
    if (wildcards.length > 0) {
      reportViolation(
        `${where} ${describeStatement(statement, index)} allows ${wildcards.join(", ")}; list the actions the hosts need (e.g. ecr:BatchGetImage).`,
      );
    }
    if (notActions(statement).length > 0) {
      reportViolation(
        `${where} ${describeStatement(statement, index)} uses Allow with NotAction, which grants everything not listed.`,
      );
    }
  });
}

export const iamNoWildcardActions: ResourceValidationPolicy = {
  name: "iam-no-wildcard-actions",
  description:
    'IAM policies the stack writes (role inline policies, aws.iam.RolePolicy, aws.iam.Policy) allow no "*" ' +
    'or "<service>:*" actions and no Allow+NotAction, so a compromised host gets only what a release ' +
    "needs (Security Hub FSBP IAM.1 and IAM.21).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp(
    "IAM.1, IAM.21",
    'IAM policies should not allow full "*" administrative privileges (IAM.1) or wildcard actions for services (IAM.21)',
  ),
  remediationSteps: "Replace wildcard actions with the specific actions required.",
  validateResource: [
    validateResourceOfType(aws.iam.RolePolicy, (policy, _args, report) =>
      checkPermissionsDocument(policy.policy, "role policy", report),
    ),
    validateResourceOfType(aws.iam.Policy, (policy, _args, report) =>
      checkPermissionsDocument(policy.policy, "policy", report),
    ),
    validateResourceOfType(aws.iam.Role, (role, _args, report) => {
      for (const inline of role.inlinePolicies ?? []) {
        if (inline.policy)
          checkPermissionsDocument(inline.policy, `inline policy "${inline.name ?? "?"}"`, report);
      }
    }),
  ],
};

const adminConfig = ruleConfig("iam-no-admin-managed-policies", {
  forbiddenManagedPolicies: z
    .array(z.string().min(1))
    .default([
      "AdministratorAccess",
      "PowerUserAccess",
      "IAMFullAccess",
      "AmazonEC2FullAccess",
      "AmazonS3FullAccess",
      "AmazonSSMFullAccess",
      "AmazonEC2ContainerRegistryFullAccess",
      "AmazonEC2ContainerRegistryPowerUser",
      "SecretsManagerReadWrite",
    ])
    .describe("AWS managed policy names (the part after policy/, any path) no role may carry."),
});

/** `arn:aws:iam::aws:policy/service-role/Foo` -> `Foo`. */
function managedPolicyName(arn: string): string {
  return arn.split("/").pop() ?? arn;
}

export const iamNoAdminManagedPolicies: ResourceValidationPolicy = {
  name: "iam-no-admin-managed-policies",
  description:
    "Roles (and, through aws.iam.PolicyAttachment, users and groups) carry no administrator or " +
    "full-access AWS managed policies (forbiddenManagedPolicies, default " +
    "AdministratorAccess, PowerUserAccess, *FullAccess...): the host role needs only an ECR token and " +
    "pulls from the stack's repositories. Checked on RolePolicyAttachment, PolicyAttachment, " +
    "RolePolicyAttachmentsExclusive.policyArns and Role.managedPolicyArns (Security Hub FSBP IAM.1).",
  enforcementLevel: "mandatory",
  severity: "critical",
  framework: fsbp("IAM.1", 'IAM policies should not allow full "*" administrative privileges'),
  configSchema: adminConfig.configSchema,
  remediationSteps:
    "Grant ecr:GetAuthorizationToken and pulls (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability) on the stack's repositories in an inline policy instead.",
  validateResource: [
    validateResourceOfType(aws.iam.RolePolicyAttachment, (attachment, args, reportViolation) => {
      const { forbiddenManagedPolicies } = adminConfig.read(args);
      if (forbiddenManagedPolicies.includes(managedPolicyName(attachment.policyArn))) {
        reportViolation(`role is given ${attachment.policyArn}; grant only what the hosts need.`);
      }
    }),
    validateResourceOfType(aws.iam.PolicyAttachment, (attachment, args, reportViolation) => {
      const { forbiddenManagedPolicies } = adminConfig.read(args);
      if (forbiddenManagedPolicies.includes(managedPolicyName(attachment.policyArn))) {
        reportViolation(
          `policy attachment gives ${attachment.policyArn} to its roles, users and groups; grant only what the hosts need.`,
        );
      }
    }),
    validateResourceOfType(
      aws.iam.RolePolicyAttachmentsExclusive,
      (attachments, args, reportViolation) => {
        const { forbiddenManagedPolicies } = adminConfig.read(args);
        for (const arn of attachments.policyArns ?? []) {
          if (forbiddenManagedPolicies.includes(managedPolicyName(arn))) {
            reportViolation(
              `role ${attachments.roleName} lists ${arn} in policyArns; grant only what the hosts need.`,
            );
          }
        }
      },
    ),
    validateResourceOfType(aws.iam.Role, (role, args, reportViolation) => {
      const { forbiddenManagedPolicies } = adminConfig.read(args);
      for (const arn of role.managedPolicyArns ?? []) {
        if (forbiddenManagedPolicies.includes(managedPolicyName(arn))) {
          reportViolation(
            `role lists ${arn} in managedPolicyArns; grant only what the hosts need.`,
          );
        }
      }
    }),
  ],
};

export const iamTrustNoWildcardPrincipal: ResourceValidationPolicy = {
  name: "iam-trust-no-wildcard-principal",
  description:
    'Role trust policies never let "*" (any AWS account) assume the role without a condition; the host ' +
    "role is assumable by ec2.amazonaws.com only.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: 'Use Principal: { Service: "ec2.amazonaws.com" }.',
  validateResource: validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) => {
    let statements;
    try {
      statements = statementsOf(role.assumeRolePolicy);
    } catch (error) {
      reportViolation(
        `assumeRolePolicy is not a readable policy document: ${(error as Error).message}`,
      );
      return;
    }
    statements.forEach((statement, index) => {
      if (allowsAnyPrincipal(statement)) {
        reportViolation(
          `assumeRolePolicy ${describeStatement(statement, index)} lets any AWS principal assume the role.`,
        );
      }
    });
  }),
};
