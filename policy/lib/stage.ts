import type { PolicyProviderResource, PolicyResource } from "@pulumi/policy";
import { z } from "zod";
import { tagsOf } from "./tags";

/*
 * Which stacks count as production. A policy sees neither the stack's config nor, directly, its
 * name, so it reads two things the program puts on its resources:
 *
 * 1. a tag from the stack's config: berth tags every resource with `berth:tags` (Pulumi.prod.yaml
 *    sets `environment: prod`), so a resource (or, for stack rules, any resource of the stack)
 *    carrying one of `productionTags` (default environment=prod, environment=production) is
 *    production, whatever the stack is called (prod-eu, live, shop-prod ...);
 * 2. the stack name in every URN (`urn:pulumi:<stack>::...`), compared with `productionStacks`
 *    (default prod, production): the fallback for stacks that set no such tag.
 *
 * Either makes a stack production: a tag can add stacks to production, never take one out, so
 * the program under review cannot switch the production rules off by tagging itself.
 */

export const productionStacksSetting = z
  .array(z.string().min(1))
  .default(["prod", "production"])
  .describe(
    "Stack names treated as production (read from each URN): the fallback for stacks whose resources carry none of productionTags; a listed name is production whatever its tags.",
  );

export const productionTagsSetting = z
  .array(z.string().regex(/^[^=]+=.+$/, "must be key=value, e.g. environment=prod"))
  .default(["environment=prod", "environment=production"])
  .describe(
    "Tags (key=value, the value compared case-insensitively) that make a stack production whatever its name; berth writes the stack config's berth:tags onto every resource (Pulumi.prod.yaml sets environment: prod).",
  );

/** The two config keys of every production-aware rule; spread into its ruleConfig shape. */
export const stageSettings = {
  productionStacks: productionStacksSetting,
  productionTags: productionTagsSetting,
};

export interface StageSettings {
  productionStacks: string[];
  productionTags: string[];
}

interface Judged {
  urn: string;
  props: unknown;
  provider?: PolicyProviderResource | undefined;
}

/** The stack name inside a resource URN, or undefined when the URN is not a Pulumi URN. */
export function stackOfUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}

/** Why `resource` belongs to production ("tag environment=prod", "stack name prod"), or undefined. */
export function productionEvidence(resource: Judged, settings: StageSettings): string | undefined {
  const tags = tagsOf(resource);
  for (const entry of settings.productionTags) {
    const [key = "", ...rest] = entry.split("=");
    const value = rest.join("=");
    if (tags[key]?.toLowerCase() === value.toLowerCase()) return `tag ${key}=${tags[key]}`;
  }
  const stack = stackOfUrn(resource.urn);
  if (stack !== undefined && settings.productionStacks.includes(stack)) {
    return `stack name ${stack}`;
  }
  return undefined;
}

/** True when any resource of the stack says production (a tag or the stack name). */
export function isProductionStack(resources: Judged[], settings: StageSettings): boolean {
  return resources.some((r) => productionEvidence(r, settings) !== undefined);
}

/** The stack's name, for messages. */
export function stackNameOf(resources: PolicyResource[]): string {
  return resources.map((r) => stackOfUrn(r.urn)).find((s) => s !== undefined) ?? "?";
}

/** Marks a resource rule not applicable outside production (by the resource's tags or URN). */
export function applyInProductionOnly(
  args: Judged & { notApplicable: (reason?: string) => void },
  settings: StageSettings,
): void {
  if (productionEvidence(args, settings) === undefined) {
    args.notApplicable(
      `applies to production only (no tag [${settings.productionTags.join(", ")}], stack "${stackOfUrn(args.urn) ?? "?"}" not in [${settings.productionStacks.join(", ")}])`,
    );
  }
}
