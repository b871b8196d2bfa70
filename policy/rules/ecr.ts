import * as aws from "@pulumi/aws";
import {
  ResourceValidationPolicy,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { ruleConfig } from "../lib/config";
import { fsbp } from "../lib/metadata";
import { ofType, refersTo } from "../lib/stack";
import { applyInProductionOnly, stageSettings } from "../lib/stage";

export const ecrScanOnPush: ResourceValidationPolicy = {
  name: "ecr-scan-on-push",
  description:
    "ECR repositories scan every pushed image for known CVEs (imageScanningConfiguration.scanOnPush = true) " +
    "(Security Hub FSBP ECR.1).",
  enforcementLevel: "mandatory",
  severity: "high",
  framework: fsbp("ECR.1", "ECR private repositories should have image scanning configured"),
  remediationSteps: "Set imageScanningConfiguration: { scanOnPush: true }.",
  validateResource: validateResourceOfType(aws.ecr.Repository, (repo, _args, reportViolation) => {
    if (repo.imageScanningConfiguration?.scanOnPush !== true) {
      reportViolation(
        "imageScanningConfiguration.scanOnPush is not true; pushed images are never scanned.",
      );
    }
  }),
};

export const ecrImmutableTags: ResourceValidationPolicy = {
  name: "ecr-immutable-tags",
  description:
    'ECR repositories make tags immutable (imageTagMutability = "IMMUTABLE"), so a tag can never be ' +
    "moved to a different image behind a release's back (Security Hub FSBP ECR.2).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("ECR.2", "ECR private repositories should have tag immutability configured"),
  remediationSteps: 'Set imageTagMutability: "IMMUTABLE".',
  validateResource: validateResourceOfType(aws.ecr.Repository, (repo, _args, reportViolation) => {
    const mutability = repo.imageTagMutability ?? "MUTABLE";
    if (mutability !== "IMMUTABLE" && mutability !== "IMMUTABLE_WITH_EXCLUSION") {
      reportViolation(`imageTagMutability is "${mutability}"; set it to "IMMUTABLE".`);
    }
  }),
};

const forceDeleteConfig = ruleConfig("ecr-no-force-delete-in-production", {
  ...stageSettings,
});

export const ecrNoForceDeleteInProduction: ResourceValidationPolicy = {
  name: "ecr-no-force-delete-in-production",
  description:
    "In production stacks, ECR repositories do not set forceDelete: deleting or replacing the repository " +
    "would otherwise silently delete every release image, and with them instant rollback. Advisory: " +
    "a team may accept that for a disposable stack.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: forceDeleteConfig.configSchema,
  validateResource: validateResourceOfType(aws.ecr.Repository, (repo, args, reportViolation) => {
    applyInProductionOnly(args, forceDeleteConfig.read(args));
    if (repo.forceDelete === true) {
      reportViolation(
        "forceDelete is true; a replace or destroy would delete every release image.",
      );
    }
  }),
};

interface LifecycleRule {
  action?: { type?: string };
  selection?: { countType?: string; countNumber?: number };
}

/** The rules of an ECR lifecycle policy document, or undefined when it is not valid JSON. */
function lifecycleRules(policy: unknown): LifecycleRule[] | undefined {
  try {
    const doc = (typeof policy === "string" ? JSON.parse(policy) : policy) as {
      rules?: LifecycleRule[];
    };
    return Array.isArray(doc?.rules) ? doc.rules : [];
  } catch {
    return undefined;
  }
}

export const ecrLifecyclePolicy: StackValidationPolicy = {
  name: "ecr-lifecycle-policy",
  description:
    "Every ECR repository in the stack has a lifecycle policy with at least one expire rule, so old " +
    "release images are pruned instead of accumulating cost and stale CVEs (Security Hub FSBP ECR.3).",
  enforcementLevel: "mandatory",
  severity: "medium",
  framework: fsbp("ECR.3", "ECR repositories should have at least one lifecycle policy configured"),
  remediationSteps:
    'Add an aws.ecr.LifecyclePolicy for the repository with a rule { selection: { countType: "imageCountMoreThan", countNumber: N }, action: { type: "expire" } }.',
  validateStack: (args, reportViolation) => {
    const repositories = ofType(args.resources, aws.ecr.Repository);
    if (repositories.length === 0) args.notApplicable("no ECR repositories in this stack");
    const policies = ofType(args.resources, aws.ecr.LifecyclePolicy);
    for (const repo of repositories) {
      const attached = policies.filter((p) => refersTo(p, "repository", repo));
      if (attached.length === 0) {
        reportViolation(`ECR repository "${repo.name}" has no lifecycle policy.`, repo.urn);
        continue;
      }
      for (const policy of attached) {
        const rules = lifecycleRules(policy.props.policy);
        if (rules === undefined) {
          reportViolation(`lifecycle policy "${policy.name}" is not valid JSON.`, policy.urn);
        } else if (!rules.some((rule) => rule.action?.type === "expire")) {
          reportViolation(
            `lifecycle policy "${policy.name}" has no expire rule, so it never prunes images.`,
            policy.urn,
          );
        }
      }
    }
  },
};
