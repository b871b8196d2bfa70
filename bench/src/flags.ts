/** A command-line value as a whole number from min to max; throws naming the flag and the value. */
export function wholeNumberFlag(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max)
    throw new Error(`${flag} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}
