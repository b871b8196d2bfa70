/**
 * berth:domain: the names an ACM certificate covers and the Route 53 records that validate it and
 * point at the ALB. Pure: the config check and the components both use these.
 *
 * The zone is configured by name, not id: a name lets the config check prove, before anything is
 * created, that every domain lies inside the zone (DNS validation needs it there); the program
 * looks the public zone's id up by that name.
 */

/** ACM's default quota: 10 names per certificate, the domain name included. */
export const MAX_CERTIFICATE_NAMES = 10;

/** A DNS label as ACM and Route 53 take it: 1-63 lowercase letters, digits or inner hyphens. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why `name` is not a domain name ACM can put in a certificate, or undefined. `wildcard` allows
 * one leading `*.` (ACM's only wildcard form).
 */
export function domainNameProblem(name: string, wildcard: boolean): string | undefined {
  const shape = wildcard
    ? "must be a lowercase domain name like app.example.com, or a wildcard like *.example.com"
    : "must be a lowercase domain name like app.example.com";
  if (name.endsWith(".")) return `${shape}, without the trailing dot`;
  const bare = name.startsWith("*.") ? name.slice(2) : name;
  if (name.startsWith("*.") && !wildcard)
    return `${shape}, not a wildcard (it is the URL and the A record); to cover ${bare} and the names one label under it, set name to ${bare} and add ${name} to berth:domain.alternativeNames`;
  if (name.length > 253) return `${shape} of at most 253 characters, not ${name.length}`;
  const labels = bare.split(".");
  if (labels.length < 2) return shape;
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined)
    return bad.includes("*")
      ? `${shape}; ACM allows one * only, as the whole first label`
      : `${shape}; each label 1-63 letters, digits or inner hyphens, not "${bad}"`;
  return undefined;
}

/** The name without a leading `*.`: what DNS validation and the zone see of a wildcard. */
export function baseName(name: string): string {
  return name.startsWith("*.") ? name.slice(2) : name;
}

/** Whether `name` (or, for a wildcard, its base) is the zone's apex or a name under it. */
export function inZone(name: string, zone: string): boolean {
  const base = baseName(name);
  return base === zone || base.endsWith(`.${zone}`);
}

export interface DomainSettings {
  /** The host name the app answers on: the URL, the certificate's domain and an A record. */
  name: string;
  /** The public Route 53 hosted zone (by name) holding the records. */
  zone: string;
  /** More names on the certificate; `*.x` wildcards allowed. Non-wildcards also get A records. */
  alternativeNames: string[];
}

/**
 * Every problem with a berth:domain that passed the per-value checks, one line each naming the
 * key. `certificateArn` is berth:loadBalancer.certificateArn: the two exclude each other.
 */
export function domainProblems(domain: DomainSettings, certificateArn?: string): string[] {
  const problems: string[] = [];
  if (certificateArn !== undefined)
    problems.push(
      `berth:domain and berth:loadBalancer.certificateArn must not both be set: berth:domain requests and validates its own certificate; remove one of the two (got both)`,
    );
  const outside = (key: string, name: string) =>
    `${key} must be ${domain.zone} or a name under it, since its DNS validation record goes into the zone berth:domain.zone; use a name like app.${domain.zone} or set zone to a zone that holds it (got "${name}")`;
  if (!inZone(domain.name, domain.zone)) problems.push(outside("berth:domain.name", domain.name));
  domain.alternativeNames.forEach((name, i) => {
    if (!inZone(name, domain.zone))
      problems.push(outside(`berth:domain.alternativeNames[${i}]`, name));
  });
  const all = [domain.name, ...domain.alternativeNames];
  const repeated = all.filter((name, i) => all.indexOf(name) !== i);
  if (repeated.length > 0)
    problems.push(
      `berth:domain.alternativeNames must not repeat a name or berth:domain.name (got ${JSON.stringify([...new Set(repeated)])} twice)`,
    );
  if (all.length > MAX_CERTIFICATE_NAMES)
    problems.push(
      `berth:domain.alternativeNames must list at most ${MAX_CERTIFICATE_NAMES - 1} names: ACM allows ${MAX_CERTIFICATE_NAMES} per certificate, berth:domain.name included (got ${domain.alternativeNames.length})`,
    );
  return problems;
}

/**
 * The distinct DNS validation records a certificate for these names needs, one per base name:
 * ACM validates `example.com` and `*.example.com` with the same CNAME, and Route 53 refuses two
 * records of one name. Each entry names the certificate name whose validation option to read.
 */
export function validationRecordNames(names: string[]): { base: string; optionFor: string }[] {
  const seen = new Map<string, string>();
  for (const name of names) if (!seen.has(baseName(name))) seen.set(baseName(name), name);
  return [...seen].map(([base, optionFor]) => ({ base, optionFor }));
}

/** The names that get A alias records at the ALB: the domain and every non-wildcard alternative. */
export function aliasNames(domain: DomainSettings): string[] {
  return [domain.name, ...domain.alternativeNames.filter((n) => !n.startsWith("*."))];
}

/** A Pulumi-safe logical name suffix for a DNS name: `*.app.example.com` -> `wildcard-app-example-com`. */
export function recordSuffix(name: string): string {
  return name.replace(/^\*\./, "wildcard.").replace(/\./g, "-");
}
