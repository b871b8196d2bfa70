/**
 * Dyno sizes to EC2 instance types, by memory. Heroku's sizes (Dyno Types, Heroku Dev Center,
 * June 2024) give memory and a CPU share that has no EC2 equivalent, so the choice is by memory
 * alone and is listed for review.
 */
const DYNO_MEMORY_MB: Record<string, number> = {
  free: 512,
  hobby: 512,
  eco: 512,
  basic: 512,
  "standard-1x": 512,
  "standard-2x": 1024,
  "private-s": 1024,
  "shield-s": 1024,
  "performance-m": 2560,
  "private-m": 2560,
  "shield-m": 2560,
  "performance-l": 14336,
  "private-l": 14336,
  "shield-l": 14336,
  "performance-l-ram": 30720,
  "private-l-ram": 30720,
  "shield-l-ram": 30720,
  "performance-xl": 63488,
  "private-xl": 63488,
  "shield-xl": 63488,
  "performance-2xl": 129024,
  "private-2xl": 129024,
  "shield-2xl": 129024,
};

/** Burstable instances for shared-CPU dynos, general-purpose ones for dedicated-CPU dynos. */
const BURSTABLE = [
  ["t3.small", 2048],
  ["t3.medium", 4096],
  ["t3.large", 8192],
  ["t3.xlarge", 16384],
  ["t3.2xlarge", 32768],
] as const;
const DEDICATED = [
  ["m6i.large", 8192],
  ["m6i.xlarge", 16384],
  ["m6i.2xlarge", 32768],
  ["m6i.4xlarge", 65536],
  ["m6i.8xlarge", 131072],
  ["m6i.12xlarge", 196608],
  ["m6i.16xlarge", 262144],
] as const;

/** What the host keeps for itself: the OS, Docker, nginx and the agent. */
export const HOST_RESERVE_MB = 1024;

export function dynoMemoryMb(size: string): number | undefined {
  return DYNO_MEMORY_MB[size.toLowerCase()];
}

export function isDedicatedDyno(size: string): boolean {
  return !/^(free|hobby|eco|basic|standard-)/i.test(size);
}

/**
 * The smallest instance type that holds two releases of what one host runs side by side (a
 * rollout starts the new web container and workers before it stops the old ones), plus the host's
 * own reserve; undefined when none in the table is big enough.
 */
export function instanceTypeFor(
  perHostMb: number,
  dedicated: boolean,
): { instanceType: string; memoryMb: number; neededMb: number } | undefined {
  const neededMb = 2 * perHostMb + HOST_RESERVE_MB;
  const table = dedicated ? DEDICATED : BURSTABLE;
  const found = table.find(([, memory]) => memory >= neededMb);
  return found ? { instanceType: found[0], memoryMb: found[1], neededMb } : undefined;
}
