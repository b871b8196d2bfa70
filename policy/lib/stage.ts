import { z } from "zod";

/**
 * Which stacks count as production. A policy never sees the stack name directly, but every URN
 * carries it (`urn:pulumi:<stack>::<project>::<type>::<name>`), so prod-only rules read it there
 * and compare it with this config list: the policy decides, not the program under review.
 */
export const productionStacksSetting = z
  .array(z.string().min(1))
  .default(["prod", "production"])
  .describe("Stack names treated as production (prod-only rules apply to these).");

/** The stack name inside a resource URN, or undefined when the URN is not a Pulumi URN. */
export function stackOfUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}

export function isProductionUrn(urn: string, productionStacks: readonly string[]): boolean {
  const stack = stackOfUrn(urn);
  return stack !== undefined && productionStacks.includes(stack);
}

/** Marks a resource rule not applicable outside the production stacks (read from its URN). */
export function applyInProductionOnly(
  args: { urn: string; notApplicable: (reason?: string) => void },
  productionStacks: readonly string[],
): void {
  if (!isProductionUrn(args.urn, productionStacks)) {
    args.notApplicable("applies to production stacks only");
  }
}
