import { pulumi } from "./sdk";

/** Secret values in mock inputs arrive as `{ [sigKey]: secretSig, value }`. */
export function isSecretEnvelope(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] ===
      pulumi.runtime.specialSecretSig
  );
}

/** Removes secret envelopes, keeping the values; records where each secret was. */
export function unwrapSecrets(
  value: unknown,
  path = "",
  secretPaths: string[] = [],
): { value: unknown; secretPaths: string[] } {
  const walk = (v: unknown, p: string): unknown => {
    if (isSecretEnvelope(v)) {
      secretPaths.push(p);
      return walk(v.value, p);
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${p}[${i}]`));
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(
        Object.entries(v).map(([k, item]) => [k, walk(item, p ? `${p}.${k}` : k)]),
      );
    }
    return v;
  };
  return { value: walk(value, path), secretPaths };
}

/** Every string in a value, with its path: for "this text appears nowhere in plain" checks. */
export function stringsIn(value: unknown, path = ""): { path: string; text: string }[] {
  if (typeof value === "string") return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => stringsIn(v, path ? `${path}.${k}` : k));
  return [];
}
