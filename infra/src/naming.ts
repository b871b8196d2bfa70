/** Names and tags every resource gets. Pure. */

/** A Pulumi logical name: `shop-api-web-1`. Physical AWS names get Pulumi's random suffix. */
export function resourceName(app: string, ...parts: (string | number)[]): string {
  return [app, ...parts.map(String)].join("-");
}

/** The host names, in order: `web-1`, `web-2`, ... (also the `Name` tag suffix). */
export function hostNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `host-${i + 1}`);
}

/** Hosts spread round-robin over the zones: host i goes to zone i mod zones. */
export function zoneIndexFor(hostIndex: number, zoneCount: number): number {
  return hostIndex % zoneCount;
}

/** Rollout batches: consecutive groups of `batchSize` hosts (the last one may be smaller). */
export function rolloutBatches<T>(items: T[], batchSize: number): T[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batch size ${batchSize} must be >= 1`);
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  return batches;
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

/**
 * The rollout order: batches of `batchSize`, except that with a release command (migrations) the
 * first host goes alone. The release command runs there only, and must finish before any other
 * host switches to the new release.
 */
export function rolloutPlan<T>(items: T[], batchSize: number, releaseCommand: boolean): T[][] {
  if (!releaseCommand || batchSize === 1 || items.length === 0)
    return rolloutBatches(items, batchSize);
  return [items.slice(0, 1), ...rolloutBatches(items.slice(1), batchSize)];
}
