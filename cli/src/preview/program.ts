/**
 * The offline preview runs the real program under the same mocks the unit tests use. That runner
 * lives with the tests (tests/support/pulumi/runProgram.ts) and the CrossGuard harness with the
 * policy tests (tests/policy/support/harness.ts); this thin wrapper is the one place the preview
 * reaches into tests/, so moving them to a shared home later means changing these imports only.
 */
export { runProgram, REPO_ROOT } from "../../../tests/support/pulumi/runProgram";
export type { ProgramRun, RegisteredResource } from "../../../tests/support/pulumi/runProgram";
export {
  isStackPolicy,
  runResourcePolicy,
  runStackPolicy,
} from "../../../tests/policy/support/harness";
export type { AnyPolicy, FakeResource } from "../../../tests/policy/support/harness";
export { policyViewOf } from "../../../tests/policy/support/program";
export { policies } from "../../../policy/testing";
