/**
 * The command line of `npm run test:aws`. Parsed with node:util (commander is the CLI package's
 * dependency, not reachable from tests/); every mistake is one line.
 */
import { parseArgs } from "node:util";
import { parseCidr } from "../../infra/src/cidr";
import { DEFAULT_INSTANCE_TYPE, isRegion, zonesFor } from "./stackConfig";

export interface AcceptanceOptions {
  region: string;
  sshCidr: string;
  zones: string[];
  instanceType: string;
  /** Requests per second through the ALB during each rollout. */
  rate: number;
  /** Failed requests tolerated per rollout (default 0: the rollouts are zero-downtime). */
  maxFailed: number;
  /** After this many minutes no new step starts and a running `up` is cancelled; cleanup still runs. */
  deadlineMinutes: number;
  /** Where to write the manual cleanup commands while the stack exists (CI runs them if left). */
  cleanupScript?: string;
}

export const USAGE = [
  "usage: npm run test:aws -- --region REGION --ssh-cidr A.B.C.D/32 [options]",
  "",
  "Creates an ephemeral berth stack in a real AWS account (one small host, the staging layout),",
  "checks it serves the built digest, rolls a second digest out and back under load through the",
  "ALB, then destroys and removes the stack, also when a step fails. Costs money: see",
  "docs/deploy-to-aws.md, 'Acceptance test on a real account'.",
  "",
  "  --region REGION          AWS region to create the stack in (required)",
  "  --ssh-cidr CIDR          this machine's egress address, e.g. 203.0.113.10/32 (required):",
  "                           the only source the host accepts SSH from",
  "  --zones A,B              availability zones (default: REGIONa,REGIONb)",
  `  --instance-type TYPE     host type (default ${DEFAULT_INSTANCE_TYPE})`,
  "  --rate N                 requests per second during each rollout (default 5)",
  "  --max-failed N           failed requests tolerated per rollout (default 0)",
  "  --deadline-minutes N     stop starting steps after N minutes, then clean up (default 75)",
  "  --cleanup-script FILE    keep the manual cleanup commands here while the stack exists",
].join("\n");

export type ParsedOptions =
  | { kind: "run"; options: AcceptanceOptions }
  | { kind: "help" }
  | { kind: "problem"; problem: string };

function wholeNumber(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new Error(`--${name} must be a whole number from ${min} to ${max} (got "${text}")`);
  return value;
}

export function parseOptions(argv: string[]): ParsedOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        region: { type: "string" },
        "ssh-cidr": { type: "string" },
        zones: { type: "string" },
        "instance-type": { type: "string" },
        rate: { type: "string" },
        "max-failed": { type: "string" },
        "deadline-minutes": { type: "string" },
        "cleanup-script": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    return { kind: "problem", problem: `${firstLineOf(error)} (--help lists the options)` };
  }
  if (values.help) return { kind: "help" };
  const region = values.region as string | undefined;
  const sshCidr = values["ssh-cidr"] as string | undefined;
  if (!region) return { kind: "problem", problem: "missing --region (e.g. --region eu-west-1)" };
  if (!isRegion(region))
    return {
      kind: "problem",
      problem: `--region must be an AWS region like eu-west-1 (got "${region}")`,
    };
  if (!sshCidr)
    return {
      kind: "problem",
      problem:
        "missing --ssh-cidr: this machine's egress address as A.B.C.D/32 (e.g. $(curl -s https://checkip.amazonaws.com)/32)",
    };
  const cidr = parseCidr(sshCidr);
  if (!cidr || cidr.prefix < 16)
    return {
      kind: "problem",
      problem: `--ssh-cidr must be an IPv4 network of /16 or narrower, ideally this machine's /32 (got "${sshCidr}")`,
    };
  try {
    const zoneList = (values.zones as string | undefined)?.split(",").map((z) => z.trim());
    const instanceType = (values["instance-type"] as string | undefined) ?? DEFAULT_INSTANCE_TYPE;
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType))
      throw new Error(
        `--instance-type must be an EC2 instance type like t3.small (got "${instanceType}")`,
      );
    const options: AcceptanceOptions = {
      region,
      sshCidr,
      zones: zonesFor(region, zoneList),
      instanceType,
      rate: wholeNumber("rate", values.rate as string | undefined, 5, 1, 50),
      maxFailed: wholeNumber(
        "max-failed",
        values["max-failed"] as string | undefined,
        0,
        0,
        1_000_000,
      ),
      deadlineMinutes: wholeNumber(
        "deadline-minutes",
        values["deadline-minutes"] as string | undefined,
        75,
        10,
        600,
      ),
    };
    const cleanupScript = values["cleanup-script"] as string | undefined;
    if (cleanupScript) options.cleanupScript = cleanupScript;
    return { kind: "run", options };
  } catch (error) {
    return { kind: "problem", problem: firstLineOf(error) };
  }
}

function firstLineOf(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0] ?? "";
}
