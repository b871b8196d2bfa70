/**
 * The one @pulumi/pulumi instance the program uses. The tests package does not depend on the
 * SDK itself, so it is loaded from infra's node_modules: pnpm links both to the same real path,
 * which makes setMocks here and the program's resources share one runtime.
 */
import * as pulumi from "../../../infra/node_modules/@pulumi/pulumi";

export { pulumi };
