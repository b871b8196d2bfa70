/** Names and tags every resource gets. Pure. */

/** A Pulumi logical name: `shop-api-web-1`. Physical AWS names get Pulumi's random suffix. */
export function resourceName(app: string, ...parts: (string | number)[]): string {
  return [app, ...parts.map(String)].join("-");
}

/** The host names, in order: `host-1`, `host-2`, ... (also the `Name` tag suffix). */
export function hostNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `host-${i + 1}`);
}

/** Hosts spread round-robin over the zones: host i goes to zone i mod zones. */
export function zoneIndexFor(hostIndex: number, zoneCount: number): number {
  return hostIndex % zoneCount;
}

/**
 * The tags of one resource: the stack's tags, then the fixed ones (which win, so a stack cannot
 * mislabel what it owns). Tags never reach a release trigger.
 */
export function tagsFor(
  base: { app: string; stack: string; tags: Record<string, string> },
  name: string,
): Record<string, string> {
  return {
    ...base.tags,
    Name: name,
    "berth:app": base.app,
    "berth:stack": base.stack,
    "managed-by": "pulumi",
  };
}
