// What the test suite needs from the pack, resolved from this package's own dependencies (the
// tests package does not depend on @pulumi/*). Never imports ./index, which would start a server.
export * as aws from "@pulumi/aws";
export * as command from "@pulumi/command";
export type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  PolicyResourceOptions,
  PolicyProviderResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
export type { Resource, Unwrap } from "@pulumi/pulumi";
export { policies } from "./rules";
export { FSBP_NAME } from "./lib/metadata";
