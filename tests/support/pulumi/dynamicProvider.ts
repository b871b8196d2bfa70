import { createRequire } from "node:module";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/**
 * A dynamic resource's provider as the engine runs it: the program serialized it into the
 * resource's `__provider` input (a CommonJS module whose `handler` returns the provider), and the
 * engine's dynamic provider host evaluates that text. Evaluating it here runs the very code a
 * real `pulumi up` would, closure serialization included; modules it requires resolve from
 * `infra/`, where the program's dependencies are.
 */
export function serializedProvider(
  inputs: Record<string, unknown>,
): pulumi.dynamic.ResourceProvider {
  const source = inputs.__provider;
  if (typeof source !== "string" || !source.includes("exports.handler"))
    throw new Error("the resource has no serialized provider (__provider)");
  const module = { exports: {} as { handler?: () => pulumi.dynamic.ResourceProvider } };
  const requireFromInfra = createRequire(
    path.join(__dirname, "..", "..", "..", "infra", "package.json"),
  );
  // The serialized text uses `with` blocks, so it runs as sloppy-mode code, as the engine runs it.
  new Function("exports", "require", "module", source)(module.exports, requireFromInfra, module);
  const handler = module.exports.handler;
  if (typeof handler !== "function") throw new Error("the serialized provider exports no handler");
  return handler();
}
