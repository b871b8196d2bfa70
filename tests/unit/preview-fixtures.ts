import type { AnyPolicy } from "../../scripts/preview/program";
export { runProgram } from "../../scripts/preview/program";
export { TEST_DATABASE_URL as TEST_DATABASE_URL_FOR_TESTS } from "../support/pulumi/runProgram";
import { policies as pack } from "../../scripts/preview/program";

export const policies = pack as AnyPolicy[];
