/**
 * The one @pulumi/pulumi instance the tests share with the program: tests and infra depend on the
 * same exact version, which pnpm links to one real path, so setMocks here and the program's
 * resources use one runtime.
 */
import * as pulumi from "@pulumi/pulumi";

export { pulumi };
