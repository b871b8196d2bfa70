import type { AnyPolicy } from "../../cli/src/preview/program";
export { runProgram } from "../../cli/src/preview/program";
export { TEST_DATABASE_URL as TEST_DATABASE_URL_FOR_TESTS } from "../support/pulumi/runProgram";
import { policies as pack } from "../../cli/src/preview/program";

export const policies = pack as AnyPolicy[];
