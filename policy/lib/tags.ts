import type { PolicyProviderResource } from "@pulumi/policy";

/** A provider's defaultTags arrive as an object or, in provider config, as JSON text. */
export function providerDefaultTags(
  provider: PolicyProviderResource | undefined,
): Record<string, string> {
  const raw = (provider?.props as { defaultTags?: unknown } | undefined)?.defaultTags;
  try {
    const value = (typeof raw === "string" ? JSON.parse(raw) : raw) as
      { tags?: Record<string, string> } | undefined;
    return value?.tags ?? {};
  } catch {
    return {};
  }
}

/** A tags property as a map ({} when it is not one). */
export function tagMap(value: unknown): Record<string, string> {
  return value !== null && typeof value === "object" ? (value as Record<string, string>) : {};
}

/**
 * A resource's effective tags: its provider's defaultTags, then `tagsAll` (outputs), then its own
 * `tags`. A value unknown during a preview counts as absent.
 */
export function tagsOf(resource: {
  props: unknown;
  provider?: PolicyProviderResource | undefined;
}): Record<string, string> {
  const own = (key: string) => {
    try {
      return tagMap((resource.props as Record<string, unknown>)[key]);
    } catch {
      return {};
    }
  };
  return { ...providerDefaultTags(resource.provider), ...own("tagsAll"), ...own("tags") };
}
