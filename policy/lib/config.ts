import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { z } from "zod";

/** The part of a policy's validation args that reads the pack's config for that policy. */
export interface ConfigSource {
  getConfig<T extends object>(): T;
}

/** One rule's config: the JSON schema Pulumi shows and validates, and a typed, defaulted reader. */
export interface RuleConfig<T> {
  configSchema: PolicyConfigSchema;
  read(source: ConfigSource): T;
}

/**
 * Builds a rule's config from one zod schema, so the schema Pulumi publishes
 * (`configSchema`) and the values the rule reads can never drift apart. Defaults are applied
 * here as well, because a rule must behave the same whether or not the CLI filled them in.
 */
export function ruleConfig<Shape extends z.ZodRawShape>(
  policyName: string,
  shape: Shape,
): RuleConfig<z.output<z.ZodObject<Shape>>> {
  const schema = z.strictObject(shape);
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as PolicyConfigJSONSchema;
  const configSchema: PolicyConfigSchema = {
    properties: (json.properties ?? {}) as PolicyConfigSchema["properties"],
  };
  if (json.required && json.required.length > 0) configSchema.required = json.required;
  return {
    configSchema,
    read(source) {
      const input = source.getConfig<object>();
      const parsed = schema.safeParse(input);
      if (parsed.success) return parsed.data;
      const problems = parsed.error.issues.map((issue) => {
        const key = issue.path.length > 0 ? issue.path.join(".") : "(root)";
        const value = valueAt(input, issue.path);
        const got = value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
        return `${policyName}.${key}: ${issue.message}${got}`;
      });
      throw new Error(
        `invalid policy config for "${policyName}": ${problems.join("; ")}. ` +
          `Fix the "${policyName}" entry of the file passed to --policy-pack-config ` +
          `(see policy/README.md for every key and its default).`,
      );
    },
  };
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
