import type { PolicyComplianceFramework } from "@pulumi/policy";

/** The AWS Security Hub standard every mapped rule refers to. */
export const FSBP_NAME = "AWS Foundational Security Best Practices";

/** Marks a rule as enforcing a Security Hub FSBP control, e.g. `fsbp("EC2.8", "...")`. */
export function fsbp(control: string, title: string): PolicyComplianceFramework {
  return { name: FSBP_NAME, version: "1.0.0", reference: control, specification: title };
}
