/**
 * AWS preflight: the input rules AWS documents for what berth creates, written down once as a
 * table. Under `pulumi.runtime.setMocks` every value is accepted; AWS is not so kind, and a
 * description with an apostrophe or a 33-character load balancer name only fails at `pulumi up`.
 * The unit tests apply every rule to every resource a stack registers, so such a value fails in
 * CI instead.
 *
 *   preflight(run.resources)          // every problem of a run, one line each
 *   PREFLIGHT_RULES[i].check(resource) // one rule's problems with one resource
 *
 * Each rule names the AWS page it comes from and carries fixtures: resources that break it (with
 * the field the problem must name) and one that keeps it. Everything here is pure.
 */
import { lifecyclePolicyProblems } from "./ecrLifecycle";
import { monitoringRules } from "./preflightMonitoring";

type Fields = Record<string, unknown>;

/** What a rule looks at: a registered resource (RegisteredResource fits) or a fixture. */
export interface PreflightResource {
  /** Pulumi type token, e.g. "aws:ec2/securityGroup:SecurityGroup". */
  type: string;
  /** Logical name: what Pulumi auto-names the physical name from. */
  name: string;
  inputs: Fields;
  /** The mocked state: auto-generated physical names (`name`, `bucket`, `keyName`) are read here. */
  state?: Fields;
}

/** A resource that breaks a rule, and the field the problem must name. */
export interface BreakingFixture {
  field: string;
  resource: PreflightResource;
}

export interface PreflightRule {
  id: string;
  /** What AWS requires, in one sentence. */
  requirement: string;
  /** Pulumi type tokens the rule applies to; "aws:*" means every AWS resource. */
  types: readonly string[];
  /** The AWS documentation page the requirement comes from. */
  docs: string;
  /** The problems of one resource, each naming the resource, field, value and rule. Pure. */
  check(resource: PreflightResource): string[];
  breaking: readonly BreakingFixture[];
  passing: readonly PreflightResource[];
}

/** One field that breaks a rule. */
interface Violation {
  field: string;
  value: unknown;
  reason: string;
}

interface RuleSpec extends Omit<PreflightRule, "check"> {
  inspect(resource: PreflightResource): Violation[];
}

// ---------------------------------------------------------------------------------------------
// Type tokens
// ---------------------------------------------------------------------------------------------

export const TYPES = {
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  instance: "aws:ec2/instance:Instance",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  keyPair: "aws:ec2/keyPair:KeyPair",
  flowLog: "aws:ec2/flowLog:FlowLog",
  ebsVolume: "aws:ebs/volume:Volume",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  albTargetGroup: "aws:alb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  albListener: "aws:alb/listener:Listener",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketLifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketLifecycleV2: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  role: "aws:iam/role:Role",
  policy: "aws:iam/policy:Policy",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
  ecrRepository: "aws:ecr/repository:Repository",
  ecrLifecyclePolicy: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  ssmParameter: "aws:ssm/parameter:Parameter",
  rdsInstance: "aws:rds/instance:Instance",
  rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  rdsSubnetGroup: "aws:rds/subnetGroup:SubnetGroup",
  rdsProxy: "aws:rds/proxy:Proxy",
  secret: "aws:secretsmanager/secret:Secret",
} as const;

/** Every AWS resource: tags are checked wherever they appear. */
export const EVERY_AWS_TYPE = "aws:*";

const SECURITY_GROUP_RULE_TYPES = [
  TYPES.ingressRule,
  TYPES.egressRule,
  TYPES.securityGroupRule,
  TYPES.securityGroup,
];
const LOAD_BALANCER_TYPES = [TYPES.loadBalancer, TYPES.albLoadBalancer];
const TARGET_GROUP_TYPES = [TYPES.targetGroup, TYPES.albTargetGroup];
const LISTENER_TYPES = [TYPES.listener, TYPES.albListener];

// ---------------------------------------------------------------------------------------------
// Reading values
// ---------------------------------------------------------------------------------------------

const isString = (value: unknown): value is string => typeof value === "string";

function record(value: unknown): Fields | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Fields)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A whole number from a number or a numeric string (the provider takes both), else undefined. */
function wholeNumber(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) ? n : undefined;
}

/** Length in characters (code points), as AWS counts most string limits. */
const characters = (text: string): number => [...text].length;

const bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/** The characters of `text` that `allowed` (a one-character class) rejects, each once. */
function disallowedCharacters(text: string, allowed: RegExp): string[] {
  return [...new Set([...text].filter((c) => !allowed.test(c)))];
}

function showCharacters(chars: string[]): string {
  return chars.map((c) => JSON.stringify(c)).join(" ");
}

/** A policy document's length as IAM counts it: without the white space between tokens. */
function policyLength(document: string): number {
  try {
    return characters(JSON.stringify(JSON.parse(document)));
  } catch {
    return characters(document.replace(/\s+/g, ""));
  }
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The prefix length of a well-formed IPv4 CIDR, else undefined. */
function ipv4PrefixLength(cidr: string): number | undefined {
  const m = IPV4_CIDR.exec(cidr);
  if (!m) return undefined;
  const octetsOk = m.slice(1, 5).every((o) => Number(o) <= 255);
  const prefix = Number(m[5]);
  return octetsOk && prefix <= 32 ? prefix : undefined;
}

function isIpv6Cidr(cidr: string): boolean {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr);
  return m !== null && (m[1] ?? "").includes(":") && Number(m[2]) <= 128;
}

// ---------------------------------------------------------------------------------------------
// Checks shared by several rules
// ---------------------------------------------------------------------------------------------

function outOfRange(
  field: string,
  value: unknown,
  min: number,
  max: number,
  unit = "",
): Violation[] {
  if (value === undefined) return [];
  const n = wholeNumber(value);
  if (n !== undefined && n >= min && n <= max) return [];
  return [{ field, value, reason: `must be a whole number from ${min} to ${max}${unit}` }];
}

function tooLong(
  field: string,
  value: unknown,
  max: number,
  unit: "characters" | "bytes" = "characters",
): Violation[] {
  if (!isString(value)) return [];
  const length = unit === "bytes" ? bytes(value) : characters(value);
  return length > max
    ? [{ field, value, reason: `is ${length} ${unit}; the limit is ${max}` }]
    : [];
}

function badCharacters(
  field: string,
  value: unknown,
  allowed: RegExp,
  allowedLabel: string,
): Violation[] {
  if (!isString(value)) return [];
  const bad = disallowedCharacters(value, allowed);
  return bad.length > 0
    ? [{ field, value, reason: `contains ${showCharacters(bad)}; allowed: ${allowedLabel}` }]
    : [];
}

/** The characters EC2 allows in security group names, descriptions and rule descriptions. */
const EC2_TEXT_CHARACTER = /[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]/;
const EC2_TEXT_LABEL = "a-z A-Z 0-9 space and ._-:/()#,@[]+=&;{}!$*";

function ec2Text(field: string, value: unknown): Violation[] {
  return [
    ...tooLong(field, value, 255),
    ...badCharacters(field, value, EC2_TEXT_CHARACTER, EC2_TEXT_LABEL),
  ];
}

/** Pulumi's auto-name suffix: "-" and 7 random hex characters. */
const AUTO_NAME_SUFFIX = "-0a1b2c3";
/** What the AWS provider appends to a `namePrefix`: 26 characters (timestamp and counter). */
const NAME_PREFIX_SUFFIX = "0".repeat(26);

/** The physical name AWS will see, and where it comes from. */
interface PhysicalName {
  /** The field to name in a problem: `name`, `namePrefix` or `name (auto-named)`. */
  field: string;
  /** The name as AWS gets it (with a stand-in for generated characters). */
  name: string;
  /** Whether the end of `name` is generated (a prefix or auto-name): its last characters are fine. */
  generatedEnd: boolean;
}

/**
 * The program's `name` when it sets one; else `<field>Prefix` plus the provider's 26 characters;
 * else Pulumi's auto-name: the mock's when it returns one, else the logical name and 8 characters.
 */
function physicalName(resource: PreflightResource, field = "name"): PhysicalName | undefined {
  const set = resource.inputs[field];
  if (set !== undefined)
    return isString(set) ? { field, name: set, generatedEnd: false } : undefined;
  const prefix = resource.inputs[`${field}Prefix`];
  if (isString(prefix))
    return { field: `${field}Prefix`, name: prefix + NAME_PREFIX_SUFFIX, generatedEnd: true };
  const mocked = resource.state?.[field];
  return {
    field: `${field} (auto-named)`,
    name: isString(mocked) ? mocked : resource.name + AUTO_NAME_SUFFIX,
    generatedEnd: true,
  };
}

function nameProblems(
  resource: PreflightResource,
  field: string,
  reasons: (name: PhysicalName) => string[],
): Violation[] {
  const name = physicalName(resource, field);
  return name
    ? reasons(name).map((reason) => ({ field: name.field, value: name.name, reason }))
    : [];
}

function lengthReasons(name: string, min: number, max: number): string[] {
  const length = characters(name);
  return length < min || length > max
    ? [`is ${length} characters; it must be ${min} to ${max}`]
    : [];
}

function characterReasons(name: string, allowed: RegExp, label: string): string[] {
  const bad = disallowedCharacters(name, allowed);
  return bad.length > 0 ? [`contains ${showCharacters(bad)}; allowed: ${label}`] : [];
}

/** ELB names: at most 32 alphanumerics and hyphens, no hyphen at either end. */
function elbNameReasons(name: PhysicalName): string[] {
  return [
    ...lengthReasons(name.name, 1, 32),
    ...characterReasons(name.name, /[a-zA-Z0-9-]/, "a-z A-Z 0-9 and -"),
    ...(name.name.startsWith("-") || (!name.generatedEnd && name.name.endsWith("-"))
      ? ["must not begin or end with a hyphen"]
      : []),
  ];
}

/** IAM user, role, policy and instance profile names: alphanumerics and +=,.@_- */
const IAM_NAME_CHARACTER = /[\w+=,.@-]/;
const IAM_NAME_LABEL = "a-z A-Z 0-9 and +=,.@_-";

function iamNameReasons(max: number): (name: PhysicalName) => string[] {
  return (name) => [
    ...lengthReasons(name.name, 1, max),
    ...characterReasons(name.name, IAM_NAME_CHARACTER, IAM_NAME_LABEL),
  ];
}

// ---------------------------------------------------------------------------------------------
// Security group rules: one view over the three ways a program declares them
// ---------------------------------------------------------------------------------------------

interface SecurityGroupRuleView {
  /** Prefix of the rule's fields in problems: "" for a rule resource, "ingress[0]." inline. */
  at: string;
  rule: Fields;
  /** "vpc": aws.vpc.SecurityGroup{Ingress,Egress}Rule; "classic": inline rules and aws.ec2.SecurityGroupRule. */
  form: "vpc" | "classic";
}

function securityGroupRules(resource: PreflightResource): SecurityGroupRuleView[] {
  switch (resource.type) {
    case TYPES.ingressRule:
    case TYPES.egressRule:
      return [{ at: "", rule: resource.inputs, form: "vpc" }];
    case TYPES.securityGroupRule:
      return [{ at: "", rule: resource.inputs, form: "classic" }];
    case TYPES.securityGroup:
      return (["ingress", "egress"] as const).flatMap((direction) =>
        list(resource.inputs[direction]).map((rule, i) => ({
          at: `${direction}[${i}].`,
          rule: record(rule) ?? {},
          form: "classic" as const,
        })),
      );
    default:
      return [];
  }
}

function protocolField(view: SecurityGroupRuleView): string {
  return view.form === "vpc" ? "ipProtocol" : "protocol";
}

/** Protocols by name, and the numbers that mean the same. */
const NAMED_PROTOCOLS: Record<string, string> = {
  tcp: "tcp",
  "6": "tcp",
  udp: "udp",
  "17": "udp",
  icmp: "icmp",
  "1": "icmp",
  icmpv6: "icmpv6",
  "58": "icmpv6",
  "-1": "all",
  all: "all",
};

function portRangeProblems(view: SecurityGroupRuleView): Violation[] {
  const field = protocolField(view);
  const raw = view.rule[field];
  if (raw === undefined) return [];
  const given = String(raw).toLowerCase();
  const protocol = NAMED_PROTOCOLS[given] ?? (/^\d{1,3}$/.test(given) ? "number" : undefined);
  if (protocol === undefined || (protocol === "number" && Number(given) > 255))
    return [
      {
        field: view.at + field,
        value: raw,
        reason: "must be tcp, udp, icmp, icmpv6, -1 (all) or a protocol number from 0 to 255",
      },
    ];
  if (protocol !== "tcp" && protocol !== "udp" && protocol !== "icmp") return [];
  const [min, max] = protocol === "icmp" ? [-1, 255] : [0, 65535];
  const ends = (["fromPort", "toPort"] as const).map((end) => ({
    end,
    value: view.rule[end],
    n: wholeNumber(view.rule[end]),
  }));
  const problems = ends.flatMap(({ end, value, n }): Violation[] =>
    n === undefined || n < min || n > max
      ? [
          {
            field: view.at + end,
            value,
            reason: `must be set to a whole number from ${min} to ${max} for ${given}`,
          },
        ]
      : [],
  );
  const [from, to] = ends.map((e) => e.n);
  const reversed = protocol !== "icmp" && from !== undefined && to !== undefined && from > to;
  return reversed && problems.length === 0
    ? [{ field: `${view.at}fromPort`, value: from, reason: `is above toPort ${to}` }]
    : problems;
}

function cidrProblems(view: SecurityGroupRuleView): Violation[] {
  const ipv4 =
    view.form === "vpc"
      ? [{ field: "cidrIpv4", value: view.rule.cidrIpv4 }]
      : list(view.rule.cidrBlocks).map((value, i) => ({ field: `cidrBlocks[${i}]`, value }));
  const ipv6 =
    view.form === "vpc"
      ? [{ field: "cidrIpv6", value: view.rule.cidrIpv6 }]
      : list(view.rule.ipv6CidrBlocks).map((value, i) => ({
          field: `ipv6CidrBlocks[${i}]`,
          value,
        }));
  return [
    ...ipv4
      .filter(({ value }) => isString(value) && ipv4PrefixLength(value) === undefined)
      .map(({ field, value }) => ({
        field: view.at + field,
        value,
        reason: "is not an IPv4 CIDR like 203.0.113.0/24",
      })),
    ...ipv6
      .filter(({ value }) => isString(value) && !isIpv6Cidr(value))
      .map(({ field, value }) => ({
        field: view.at + field,
        value,
        reason: "is not an IPv6 CIDR like 2001:db8::/32",
      })),
  ];
}

function peerProblems(view: SecurityGroupRuleView): Violation[] {
  const present = (value: unknown) =>
    Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
  const peerFields =
    view.form === "vpc"
      ? ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"]
      : [
          "cidrBlocks",
          "ipv6CidrBlocks",
          "prefixListIds",
          "securityGroups",
          "sourceSecurityGroupId",
          "self",
        ];
  const set = peerFields.filter((f) => present(view.rule[f]));
  const label = view.at + peerFields.join("/");
  if (set.length === 0)
    return [{ field: label, value: undefined, reason: "names no source or destination" }];
  if (view.form === "vpc" && set.length > 1)
    return [{ field: label, value: set, reason: "must name exactly one source or destination" }];
  const cidr = set.some((f) => f.toLowerCase().includes("cidr"));
  const group = set.includes("sourceSecurityGroupId");
  return cidr && group
    ? [{ field: label, value: set, reason: "names a CIDR block and a security group; use one" }]
    : [];
}

// ---------------------------------------------------------------------------------------------
// Health checks
// ---------------------------------------------------------------------------------------------

function healthCheckOf(resource: PreflightResource): Fields {
  return record(resource.inputs.healthCheck) ?? {};
}

/** CreateTargetGroup: the default timeout by target group protocol (lambda targets: 30 s). */
function defaultHealthCheckTimeout(resource: PreflightResource): number {
  if (resource.inputs.targetType === "lambda") return 30;
  const protocol = String(resource.inputs.protocol ?? "HTTP").toUpperCase();
  if (protocol === "HTTP") return 6;
  if (protocol === "GENEVE") return 5;
  return 10;
}

/** A matcher's codes ("200", "200,202", "200-299") within [min, max], else a reason. */
function matcherReason(matcher: string, min: number, max: number): string | undefined {
  const parts = matcher.split(",");
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return `must be codes like "200", "200,202" or "200-299"`;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (low < min || high > max || low > high) return `codes must be from ${min} to ${max}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

/** Every tag map of a resource: its own and, on instances, its volumes'. */
function tagMaps(resource: PreflightResource): { field: string; tags: Fields }[] {
  const maps = [
    { field: "tags", tags: record(resource.inputs.tags) },
    { field: "volumeTags", tags: record(resource.inputs.volumeTags) },
    { field: "rootBlockDevice.tags", tags: record(record(resource.inputs.rootBlockDevice)?.tags) },
    ...list(resource.inputs.ebsBlockDevices).map((device, i) => ({
      field: `ebsBlockDevices[${i}].tags`,
      tags: record(record(device)?.tags),
    })),
  ];
  return maps.filter((m): m is { field: string; tags: Fields } => m.tags !== undefined);
}

/** The tag characters every service accepts (EC2 accepts more; ELB and IAM do not). */
const TAG_CHARACTER = /[\p{L}\p{Z}\p{N}_.:/=+\-@]/u;
const TAG_LABEL = "letters, digits, spaces and _.:/=+-@";

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

/** Whether `rule` looks at resources of `type`. */
export function ruleAppliesTo(rule: Pick<PreflightRule, "types">, type: string): boolean {
  return rule.types.some((t) => t === type || (t === EVERY_AWS_TYPE && type.startsWith("aws:")));
}

function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 100)}..." (${text.length} characters)` : text;
}

function defineRule(spec: RuleSpec): PreflightRule {
  const { inspect, ...rule } = spec;
  return {
    ...rule,
    check: (resource) =>
      ruleAppliesTo(rule, resource.type)
        ? inspect(resource).map(
            (v) =>
              `${resource.type} ${resource.name}: ${v.field} ${show(v.value)} ${v.reason} [${rule.id}]`,
          )
        : [],
  };
}

/** A fixture resource. */
function fixture(type: string, inputs: Fields, state?: Fields): PreflightResource {
  return { type, name: "fixture", inputs, ...(state ? { state } : {}) };
}

/** A fixture Pulumi auto-names (no name input, no mocked name): `logicalName` and 8 characters. */
function autoNamed(type: string, logicalName: string): PreflightResource {
  return { type, name: logicalName, inputs: {} };
}

function breaks(field: string, resource: PreflightResource): BreakingFixture {
  return { field, resource };
}

const EC2_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference";
const ELB_API = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference";
const IAM_API = "https://docs.aws.amazon.com/IAM/latest/APIReference";
const IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";
const TAG_RESTRICTIONS =
  "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions";

/** A string of `length` copies of `char`: long values for fixtures. */
const filler = (length: number, char = "a") => char.repeat(length);

const ec2Rules: PreflightRule[] = [
  defineRule({
    id: "ec2-security-group-description",
    requirement: `A security group description is at most 255 characters of ${EC2_TEXT_LABEL}.`,
    types: [TYPES.securityGroup],
    docs: `${EC2_API}/API_CreateSecurityGroup.html`,
    inspect: (r) => ec2Text("description", r.inputs.description),
    breaking: [
      breaks("description", fixture(TYPES.securityGroup, { description: "the app's hosts" })),
      breaks("description", fixture(TYPES.securityGroup, { description: filler(256) })),
    ],
    passing: [fixture(TYPES.securityGroup, { description: "ALB: HTTP(S) from the internet" })],
  }),
  defineRule({
    id: "ec2-security-group-name",
    requirement: `A security group name is 1 to 255 characters of ${EC2_TEXT_LABEL} and does not start with sg-.`,
    types: [TYPES.securityGroup],
    docs: `${EC2_API}/API_CreateSecurityGroup.html`,
    inspect: (r) =>
      nameProblems(r, "name", (n) => [
        ...lengthReasons(n.name, 1, 255),
        ...characterReasons(n.name, EC2_TEXT_CHARACTER, EC2_TEXT_LABEL),
        ...(n.name.toLowerCase().startsWith("sg-") ? ["must not start with sg-"] : []),
      ]),
    breaking: [
      breaks("name", fixture(TYPES.securityGroup, { name: "sg-web" })),
      breaks("name", fixture(TYPES.securityGroup, { name: "web|hosts" })),
      breaks("namePrefix", fixture(TYPES.securityGroup, { namePrefix: filler(230) })),
    ],
    passing: [fixture(TYPES.securityGroup, {}, { name: "shop-api-alb-b83a3b1" })],
  }),
  defineRule({
    id: "ec2-security-group-rule-description",
    requirement: `A security group rule description is at most 255 characters of ${EC2_TEXT_LABEL}.`,
    types: SECURITY_GROUP_RULE_TYPES,
    docs: `${EC2_API}/API_IpRange.html`,
    inspect: (r) =>
      securityGroupRules(r).flatMap((v) => ec2Text(`${v.at}description`, v.rule.description)),
    breaking: [
      breaks(
        "description",
        fixture(TYPES.egressRule, { description: "OS packages and the app's own calls" }),
      ),
      breaks("description", fixture(TYPES.ingressRule, { description: "HTTPS – from anywhere" })),
      breaks("description", fixture(TYPES.securityGroupRule, { description: filler(256) })),
      breaks(
        "ingress[0].description",
        fixture(TYPES.securityGroup, { ingress: [{ description: "SSH from Bob's laptop" }] }),
      ),
    ],
    passing: [
      fixture(TYPES.egressRule, { description: "Outbound: image pulls, OS packages, app calls" }),
    ],
  }),
  defineRule({
    id: "ec2-security-group-rule-ports",
    requirement:
      "A rule's protocol is tcp, udp, icmp, icmpv6, -1 or a protocol number; tcp and udp need a port range within 0-65535 (from <= to), icmp a type and code.",
    types: SECURITY_GROUP_RULE_TYPES,
    docs: `${EC2_API}/API_IpPermission.html`,
    inspect: (r) => securityGroupRules(r).flatMap(portRangeProblems),
    breaking: [
      breaks("toPort", fixture(TYPES.ingressRule, { ipProtocol: "tcp", fromPort: 22 })),
      breaks(
        "toPort",
        fixture(TYPES.ingressRule, { ipProtocol: "tcp", fromPort: 80, toPort: 70000 }),
      ),
      breaks(
        "fromPort",
        fixture(TYPES.ingressRule, { ipProtocol: "tcp", fromPort: 443, toPort: 80 }),
      ),
      breaks("ipProtocol", fixture(TYPES.egressRule, { ipProtocol: "https" })),
      breaks(
        "ingress[0].protocol",
        fixture(TYPES.securityGroup, { ingress: [{ protocol: "http", fromPort: 80, toPort: 80 }] }),
      ),
    ],
    passing: [
      fixture(TYPES.ingressRule, { ipProtocol: "tcp", fromPort: 80, toPort: 80 }),
      fixture(TYPES.egressRule, { ipProtocol: "-1" }),
    ],
  }),
  defineRule({
    id: "ec2-security-group-rule-cidr",
    requirement: "A rule's address ranges are CIDR blocks (IPv4 like 203.0.113.0/24).",
    types: SECURITY_GROUP_RULE_TYPES,
    docs: `${EC2_API}/API_IpRange.html`,
    inspect: (r) => securityGroupRules(r).flatMap(cidrProblems),
    breaking: [
      breaks("cidrIpv4", fixture(TYPES.ingressRule, { cidrIpv4: "203.0.113.10" })),
      breaks("cidrIpv4", fixture(TYPES.ingressRule, { cidrIpv4: "10.0.0.300/24" })),
      breaks(
        "cidrBlocks[1]",
        fixture(TYPES.securityGroupRule, { cidrBlocks: ["10.0.0.0/8", "any"] }),
      ),
      breaks("cidrIpv6", fixture(TYPES.egressRule, { cidrIpv6: "::/200" })),
    ],
    passing: [fixture(TYPES.ingressRule, { cidrIpv4: "0.0.0.0/0" })],
  }),
  defineRule({
    id: "ec2-security-group-rule-peer",
    requirement:
      "A rule names its source or destination: a CIDR block, a prefix list or a security group (a VPC rule exactly one; a CIDR block and a security group never together).",
    types: SECURITY_GROUP_RULE_TYPES,
    docs: `${EC2_API}/API_IpRange.html`,
    inspect: (r) => securityGroupRules(r).flatMap(peerProblems),
    breaking: [
      breaks(
        "cidrIpv4",
        fixture(TYPES.ingressRule, { ipProtocol: "tcp", fromPort: 22, toPort: 22 }),
      ),
      breaks(
        "referencedSecurityGroupId",
        fixture(TYPES.ingressRule, { cidrIpv4: "10.0.0.0/8", referencedSecurityGroupId: "sg-1" }),
      ),
      breaks(
        "sourceSecurityGroupId",
        fixture(TYPES.securityGroupRule, {
          cidrBlocks: ["10.0.0.0/8"],
          sourceSecurityGroupId: "sg-1",
        }),
      ),
    ],
    passing: [
      fixture(TYPES.ingressRule, { referencedSecurityGroupId: "sg-1" }),
      fixture(TYPES.securityGroup, { egress: [{ cidrBlocks: ["0.0.0.0/0"] }] }),
    ],
  }),
  defineRule({
    id: "vpc-cidr-block-size",
    requirement: "A VPC's IPv4 CIDR block is between a /16 and a /28.",
    types: [TYPES.vpc],
    docs: `${EC2_API}/API_CreateVpc.html`,
    inspect: (r) => cidrSizeProblems(r.inputs.cidrBlock),
    breaking: [
      breaks("cidrBlock", fixture(TYPES.vpc, { cidrBlock: "10.0.0.0/8" })),
      breaks("cidrBlock", fixture(TYPES.vpc, { cidrBlock: "10.0.0/16" })),
    ],
    passing: [fixture(TYPES.vpc, { cidrBlock: "10.20.0.0/16" })],
  }),
  defineRule({
    id: "subnet-cidr-block-size",
    requirement: "A subnet's IPv4 CIDR block is between a /16 and a /28.",
    types: [TYPES.subnet],
    docs: `${EC2_API}/API_CreateSubnet.html`,
    inspect: (r) => cidrSizeProblems(r.inputs.cidrBlock),
    breaking: [breaks("cidrBlock", fixture(TYPES.subnet, { cidrBlock: "10.20.0.0/29" }))],
    passing: [fixture(TYPES.subnet, { cidrBlock: "10.20.0.0/20" })],
  }),
  defineRule({
    id: "ec2-user-data-size",
    requirement: "User data is at most 16 KB in raw form, before base64 encoding.",
    types: [TYPES.instance, TYPES.launchTemplate],
    docs: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html",
    inspect: (r) =>
      userDataFields(r).flatMap(({ field, encoding }) => {
        const size = userDataBytes(r.inputs[field], encoding);
        return size !== undefined && size > USER_DATA_LIMIT
          ? [
              {
                field,
                value: `<${size} bytes>`,
                reason: `is ${size} bytes; the limit is ${USER_DATA_LIMIT}`,
              },
            ]
          : [];
      }),
    breaking: [
      breaks("userData", fixture(TYPES.instance, { userData: `#cloud-config\n${filler(16400)}` })),
      breaks(
        "userDataBase64",
        fixture(TYPES.instance, { userDataBase64: Buffer.from(filler(17000)).toString("base64") }),
      ),
      breaks(
        "userData",
        fixture(TYPES.launchTemplate, { userData: Buffer.from(filler(17000)).toString("base64") }),
      ),
    ],
    passing: [fixture(TYPES.instance, { userData: `#cloud-config\n${filler(16000)}` })],
  }),
  defineRule({
    id: "ec2-key-pair-name",
    requirement: "A key pair name is 1 to 255 ASCII characters.",
    types: [TYPES.keyPair],
    docs: `${EC2_API}/API_CreateKeyPair.html`,
    inspect: (r) =>
      nameProblems(r, "keyName", (n) => [
        ...lengthReasons(n.name, 1, 255),
        ...characterReasons(n.name, /[\x20-\x7e]/, "printable ASCII"),
      ]),
    breaking: [
      breaks("keyName", fixture(TYPES.keyPair, { keyName: "déploiement" })),
      breaks("keyNamePrefix", fixture(TYPES.keyPair, { keyNamePrefix: filler(240) })),
    ],
    passing: [fixture(TYPES.keyPair, {}, { keyName: "shop-api-hosts-key-c62a437" })],
  }),
  defineRule({
    id: "ec2-metadata-hop-limit",
    requirement: "The instance metadata PUT response hop limit is 1 to 64.",
    types: [TYPES.instance],
    docs: `${EC2_API}/API_InstanceMetadataOptionsRequest.html`,
    inspect: (r) =>
      outOfRange(
        "metadataOptions.httpPutResponseHopLimit",
        record(r.inputs.metadataOptions)?.httpPutResponseHopLimit,
        1,
        64,
      ),
    breaking: [
      breaks(
        "metadataOptions.httpPutResponseHopLimit",
        fixture(TYPES.instance, { metadataOptions: { httpPutResponseHopLimit: 0 } }),
      ),
    ],
    passing: [fixture(TYPES.instance, { metadataOptions: { httpPutResponseHopLimit: 1 } })],
  }),
  defineRule({
    id: "ebs-volume-size",
    requirement:
      "An EBS volume's size fits its type: gp2/gp3 1-16384 GiB, io1 4-16384, io2 4-65536, st1/sc1 125-16384, standard 1-1024.",
    types: [TYPES.instance, TYPES.ebsVolume],
    docs: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html",
    inspect: (r) =>
      r.type === TYPES.ebsVolume
        ? volumeSizeProblems("size", r.inputs.type, r.inputs.size)
        : [
            ...volumeSizeProblems(
              "rootBlockDevice.volumeSize",
              record(r.inputs.rootBlockDevice)?.volumeType,
              record(r.inputs.rootBlockDevice)?.volumeSize,
            ),
            ...list(r.inputs.ebsBlockDevices).flatMap((d, i) =>
              volumeSizeProblems(
                `ebsBlockDevices[${i}].volumeSize`,
                record(d)?.volumeType,
                record(d)?.volumeSize,
              ),
            ),
          ],
    breaking: [
      breaks(
        "rootBlockDevice.volumeSize",
        fixture(TYPES.instance, { rootBlockDevice: { volumeType: "gp3", volumeSize: 0 } }),
      ),
      breaks("size", fixture(TYPES.ebsVolume, { type: "st1", size: 100 })),
    ],
    passing: [fixture(TYPES.instance, { rootBlockDevice: { volumeType: "gp3", volumeSize: 20 } })],
  }),
  defineRule({
    id: "ec2-flow-log-aggregation-interval",
    requirement: "A flow log's maximum aggregation interval is 60 or 600 seconds.",
    types: [TYPES.flowLog],
    docs: `${EC2_API}/API_CreateFlowLogs.html`,
    inspect: (r) => {
      const interval = r.inputs.maxAggregationInterval;
      return interval === undefined || [60, 600].includes(wholeNumber(interval) ?? -1)
        ? []
        : [{ field: "maxAggregationInterval", value: interval, reason: "must be 60 or 600" }];
    },
    breaking: [
      breaks("maxAggregationInterval", fixture(TYPES.flowLog, { maxAggregationInterval: 300 })),
    ],
    passing: [fixture(TYPES.flowLog, { maxAggregationInterval: 600 })],
  }),
];

/** 16 KB, counted before base64 encoding. */
const USER_DATA_LIMIT = 16 * 1024;

/** Where a resource carries user data, and how: an instance as text or base64, a launch template as base64. */
function userDataFields(
  resource: PreflightResource,
): { field: string; encoding: "text" | "base64" }[] {
  return resource.type === TYPES.instance
    ? [
        { field: "userData", encoding: "text" },
        { field: "userDataBase64", encoding: "base64" },
      ]
    : [{ field: "userData", encoding: "base64" }];
}

function userDataBytes(value: unknown, encoding: "text" | "base64"): number | undefined {
  if (!isString(value)) return undefined;
  return encoding === "text" ? bytes(value) : Buffer.from(value, "base64").length;
}

function cidrSizeProblems(cidr: unknown): Violation[] {
  if (!isString(cidr)) return [];
  const prefix = ipv4PrefixLength(cidr);
  if (prefix === undefined)
    return [{ field: "cidrBlock", value: cidr, reason: "is not an IPv4 CIDR like 10.0.0.0/16" }];
  return prefix < 16 || prefix > 28
    ? [{ field: "cidrBlock", value: cidr, reason: "must be a /16 to a /28" }]
    : [];
}

/** EBS volume size limits in GiB, by volume type. */
const VOLUME_SIZES: Record<string, [number, number]> = {
  gp2: [1, 16384],
  gp3: [1, 16384],
  io1: [4, 16384],
  io2: [4, 65536],
  st1: [125, 16384],
  sc1: [125, 16384],
  standard: [1, 1024],
};

function volumeSizeProblems(field: string, type: unknown, size: unknown): Violation[] {
  const limits = isString(type) ? VOLUME_SIZES[type] : undefined;
  return limits && size !== undefined
    ? outOfRange(field, size, limits[0], limits[1], ` GiB for ${String(type)}`)
    : [];
}

const loadBalancingRules: PreflightRule[] = [
  defineRule({
    id: "elb-load-balancer-name",
    requirement:
      "A load balancer name is at most 32 alphanumerics or hyphens, does not begin or end with a hyphen and does not begin with internal-.",
    types: LOAD_BALANCER_TYPES,
    docs: `${ELB_API}/API_CreateLoadBalancer.html`,
    inspect: (r) =>
      nameProblems(r, "name", (n) => [
        ...elbNameReasons(n),
        ...(n.name.startsWith("internal-") ? ["must not begin with internal-"] : []),
      ]),
    breaking: [
      breaks("name (auto-named)", autoNamed(TYPES.loadBalancer, "shop-api-production-edge-alb")),
      breaks("name", fixture(TYPES.loadBalancer, { name: "internal-web" })),
      breaks("name", fixture(TYPES.loadBalancer, { name: "shop_api" })),
      breaks("name", fixture(TYPES.loadBalancer, { name: "web-" })),
      breaks("namePrefix", fixture(TYPES.loadBalancer, { namePrefix: "shop-api" })),
    ],
    passing: [fixture(TYPES.loadBalancer, {}, { name: "shop-api-alb-b83a3b1" })],
  }),
  defineRule({
    id: "elb-target-group-name",
    requirement:
      "A target group name is at most 32 alphanumerics or hyphens and does not begin or end with a hyphen.",
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_CreateTargetGroup.html`,
    inspect: (r) => nameProblems(r, "name", elbNameReasons),
    breaking: [
      breaks(
        "name (auto-named)",
        fixture(TYPES.targetGroup, {}, { name: "shop-api-backoffice-api-web-b008026" }),
      ),
      breaks("name", fixture(TYPES.targetGroup, { name: "web.hosts" })),
      breaks("name", fixture(TYPES.targetGroup, { name: "-web" })),
    ],
    passing: [autoNamed(TYPES.targetGroup, "shop-api-web")],
  }),
  defineRule({
    id: "elb-health-check-interval",
    requirement: "A target group's health check interval is 5 to 300 seconds.",
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_CreateTargetGroup.html`,
    inspect: (r) =>
      outOfRange("healthCheck.interval", healthCheckOf(r).interval, 5, 300, " seconds"),
    breaking: [
      breaks("healthCheck.interval", fixture(TYPES.targetGroup, { healthCheck: { interval: 2 } })),
      breaks(
        "healthCheck.interval",
        fixture(TYPES.targetGroup, { healthCheck: { interval: 600 } }),
      ),
    ],
    passing: [fixture(TYPES.targetGroup, { healthCheck: { interval: 5 } })],
  }),
  defineRule({
    id: "elb-health-check-timeout",
    requirement: "A target group's health check timeout is 2 to 120 seconds.",
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_CreateTargetGroup.html`,
    inspect: (r) => outOfRange("healthCheck.timeout", healthCheckOf(r).timeout, 2, 120, " seconds"),
    breaking: [
      breaks("healthCheck.timeout", fixture(TYPES.targetGroup, { healthCheck: { timeout: 1 } })),
      breaks("healthCheck.timeout", fixture(TYPES.targetGroup, { healthCheck: { timeout: 121 } })),
    ],
    passing: [fixture(TYPES.targetGroup, { healthCheck: { timeout: 3 } })],
  }),
  defineRule({
    id: "elb-health-check-timeout-below-interval",
    requirement:
      "A health check's timeout is below its interval, counting AWS's defaults (interval 30 s; timeout 6 s for HTTP, 10 s for HTTPS/TCP/TLS) for what is not set.",
    types: TARGET_GROUP_TYPES,
    docs: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html",
    inspect: (r) => {
      const check = healthCheckOf(r);
      const interval = wholeNumber(check.interval ?? 30);
      const timeout = wholeNumber(check.timeout ?? defaultHealthCheckTimeout(r));
      if (interval === undefined || timeout === undefined || timeout < interval) return [];
      const reason =
        check.timeout === undefined
          ? `is not set, and AWS's default (${timeout} s) is not below healthCheck.interval (${interval} s)`
          : `must be below healthCheck.interval (${interval} s)`;
      return [{ field: "healthCheck.timeout", value: check.timeout, reason }];
    },
    breaking: [
      breaks(
        "healthCheck.timeout",
        fixture(TYPES.targetGroup, { healthCheck: { interval: 5, timeout: 5 } }),
      ),
      breaks(
        "healthCheck.timeout",
        fixture(TYPES.targetGroup, { protocol: "HTTP", healthCheck: { interval: 5 } }),
      ),
    ],
    passing: [
      fixture(TYPES.targetGroup, { protocol: "HTTP", healthCheck: { interval: 5, timeout: 3 } }),
    ],
  }),
  defineRule({
    id: "elb-health-check-thresholds",
    requirement: "Healthy and unhealthy threshold counts are 2 to 10.",
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_CreateTargetGroup.html`,
    inspect: (r) => [
      ...outOfRange("healthCheck.healthyThreshold", healthCheckOf(r).healthyThreshold, 2, 10),
      ...outOfRange("healthCheck.unhealthyThreshold", healthCheckOf(r).unhealthyThreshold, 2, 10),
    ],
    breaking: [
      breaks(
        "healthCheck.healthyThreshold",
        fixture(TYPES.targetGroup, { healthCheck: { healthyThreshold: 1 } }),
      ),
      breaks(
        "healthCheck.unhealthyThreshold",
        fixture(TYPES.targetGroup, { healthCheck: { unhealthyThreshold: 11 } }),
      ),
    ],
    passing: [
      fixture(TYPES.targetGroup, { healthCheck: { healthyThreshold: 2, unhealthyThreshold: 2 } }),
    ],
  }),
  defineRule({
    id: "elb-health-check-matcher",
    requirement:
      'A health check matcher is codes like "200", "200,202" or "200-299": 200-499 for HTTP/HTTPS target groups, 200-599 otherwise, 0-99 for gRPC.',
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_Matcher.html`,
    inspect: (r) => {
      const matcher = healthCheckOf(r).matcher;
      if (!isString(matcher)) return [];
      const protocol = String(r.inputs.protocol ?? "HTTP").toUpperCase();
      const [min, max] =
        r.inputs.protocolVersion === "GRPC"
          ? [0, 99]
          : protocol === "HTTP" || protocol === "HTTPS"
            ? [200, 499]
            : [200, 599];
      const reason = matcherReason(matcher, min, max);
      return reason ? [{ field: "healthCheck.matcher", value: matcher, reason }] : [];
    },
    breaking: [
      breaks(
        "healthCheck.matcher",
        fixture(TYPES.targetGroup, { healthCheck: { matcher: "2xx" } }),
      ),
      breaks(
        "healthCheck.matcher",
        fixture(TYPES.targetGroup, { healthCheck: { matcher: "200-503" } }),
      ),
      breaks(
        "healthCheck.matcher",
        fixture(TYPES.targetGroup, { healthCheck: { matcher: "200;204" } }),
      ),
    ],
    passing: [fixture(TYPES.targetGroup, { healthCheck: { matcher: "200,202,300-399" } })],
  }),
  defineRule({
    id: "elb-health-check-path",
    requirement: "An HTTP(S) health check path starts with / and is at most 1024 characters.",
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_CreateTargetGroup.html`,
    inspect: (r) => {
      const path = healthCheckOf(r).path;
      if (!isString(path)) return [];
      return [
        ...(path.startsWith("/")
          ? []
          : [{ field: "healthCheck.path", value: path, reason: "must start with /" }]),
        ...tooLong("healthCheck.path", path, 1024),
      ];
    },
    breaking: [
      breaks("healthCheck.path", fixture(TYPES.targetGroup, { healthCheck: { path: "healthz" } })),
      breaks(
        "healthCheck.path",
        fixture(TYPES.targetGroup, { healthCheck: { path: `/${filler(1024)}` } }),
      ),
    ],
    passing: [fixture(TYPES.targetGroup, { healthCheck: { path: "/healthz" } })],
  }),
  defineRule({
    id: "elb-health-check-port",
    requirement: "A health check port is traffic-port or 1 to 65535.",
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_CreateTargetGroup.html`,
    inspect: (r) => {
      const port = healthCheckOf(r).port;
      return port === "traffic-port" ? [] : outOfRange("healthCheck.port", port, 1, 65535);
    },
    breaking: [
      breaks("healthCheck.port", fixture(TYPES.targetGroup, { healthCheck: { port: "traffic" } })),
      breaks("healthCheck.port", fixture(TYPES.targetGroup, { healthCheck: { port: "0" } })),
    ],
    passing: [
      fixture(TYPES.targetGroup, { healthCheck: { port: "traffic-port" } }),
      fixture(TYPES.targetGroup, { healthCheck: { port: "8080" } }),
    ],
  }),
  defineRule({
    id: "elb-deregistration-delay",
    requirement: "A target group's deregistration delay is 0 to 3600 seconds.",
    types: TARGET_GROUP_TYPES,
    docs: `${ELB_API}/API_TargetGroupAttribute.html`,
    inspect: (r) =>
      outOfRange("deregistrationDelay", r.inputs.deregistrationDelay, 0, 3600, " seconds"),
    breaking: [
      breaks("deregistrationDelay", fixture(TYPES.targetGroup, { deregistrationDelay: 7200 })),
    ],
    passing: [fixture(TYPES.targetGroup, { deregistrationDelay: 15 })],
  }),
  defineRule({
    id: "elb-idle-timeout",
    requirement: "An application load balancer's idle timeout is 1 to 4000 seconds.",
    types: LOAD_BALANCER_TYPES,
    docs: `${ELB_API}/API_LoadBalancerAttribute.html`,
    inspect: (r) =>
      (r.inputs.loadBalancerType ?? "application") === "application"
        ? outOfRange("idleTimeout", r.inputs.idleTimeout, 1, 4000, " seconds")
        : [],
    breaking: [breaks("idleTimeout", fixture(TYPES.loadBalancer, { idleTimeout: 0 }))],
    passing: [fixture(TYPES.loadBalancer, { loadBalancerType: "application", idleTimeout: 60 })],
  }),
  defineRule({
    id: "elb-listener-certificate",
    requirement:
      "An HTTPS or TLS listener has a certificate (an ACM or IAM certificate ARN); an HTTP, TCP or UDP listener has neither a certificate nor an SSL policy.",
    types: LISTENER_TYPES,
    docs: `${ELB_API}/API_CreateListener.html`,
    inspect: (r) => listenerCertificateProblems(r.inputs),
    breaking: [
      breaks("certificateArn", fixture(TYPES.listener, { protocol: "HTTPS", port: 443 })),
      breaks(
        "certificateArn",
        fixture(TYPES.listener, {
          protocol: "HTTPS",
          certificateArn: "45af6a79-68fc-4949-a580-2ba267268450",
        }),
      ),
      breaks(
        "certificateArn",
        fixture(TYPES.listener, {
          protocol: "HTTP",
          certificateArn:
            "arn:aws:acm:eu-west-1:123456789012:certificate/45af6a79-68fc-4949-a580-2ba267268450",
        }),
      ),
      breaks(
        "sslPolicy",
        fixture(TYPES.listener, {
          protocol: "HTTP",
          sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        }),
      ),
    ],
    passing: [
      fixture(TYPES.listener, {
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn:
          "arn:aws:acm:eu-west-1:123456789012:certificate/45af6a79-68fc-4949-a580-2ba267268450",
      }),
      fixture(TYPES.listener, { protocol: "HTTP" }),
    ],
  }),
  defineRule({
    id: "elb-listener-port-protocol",
    requirement:
      "A listener's port is 1 to 65535 and its protocol one of HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP.",
    types: LISTENER_TYPES,
    docs: `${ELB_API}/API_CreateListener.html`,
    inspect: (r) => [
      ...outOfRange("port", r.inputs.port, 1, 65535),
      ...(r.inputs.protocol === undefined ||
      LISTENER_PROTOCOLS.includes(String(r.inputs.protocol).toUpperCase())
        ? []
        : [
            {
              field: "protocol",
              value: r.inputs.protocol,
              reason: `must be one of ${LISTENER_PROTOCOLS.join(", ")}`,
            },
          ]),
    ],
    breaking: [
      breaks("port", fixture(TYPES.listener, { protocol: "HTTP", port: 0 })),
      breaks("protocol", fixture(TYPES.listener, { protocol: "HTTP2", port: 80 })),
    ],
    passing: [fixture(TYPES.listener, { protocol: "HTTP", port: 80 })],
  }),
  defineRule({
    id: "elb-redirect-action",
    requirement:
      "A redirect goes to port 1-65535 or #{port}, protocol HTTP, HTTPS or #{protocol} (never HTTPS to HTTP), with status HTTP_301 or HTTP_302.",
    types: LISTENER_TYPES,
    docs: `${ELB_API}/API_RedirectActionConfig.html`,
    inspect: (r) =>
      list(r.inputs.defaultActions).flatMap((action, i) => {
        const redirect = record(record(action)?.redirect);
        return redirect
          ? redirectProblems(`defaultActions[${i}].redirect`, redirect, r.inputs.protocol)
          : [];
      }),
    breaking: [
      breaks(
        "defaultActions[0].redirect.statusCode",
        fixture(TYPES.listener, {
          defaultActions: [{ type: "redirect", redirect: { statusCode: "HTTP_308" } }],
        }),
      ),
      breaks(
        "defaultActions[0].redirect.port",
        fixture(TYPES.listener, {
          defaultActions: [{ type: "redirect", redirect: { port: "https" } }],
        }),
      ),
      breaks(
        "defaultActions[0].redirect.protocol",
        fixture(TYPES.listener, {
          protocol: "HTTPS",
          defaultActions: [
            { type: "redirect", redirect: { protocol: "HTTP", statusCode: "HTTP_301" } },
          ],
        }),
      ),
    ],
    passing: [
      fixture(TYPES.listener, {
        protocol: "HTTP",
        defaultActions: [
          {
            type: "redirect",
            redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" },
          },
        ],
      }),
    ],
  }),
];

const LISTENER_PROTOCOLS = ["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"];
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:(acm|iam):/;

function listenerCertificateProblems(listener: Fields): Violation[] {
  const protocol = String(listener.protocol ?? "").toUpperCase();
  const certificate = listener.certificateArn;
  if (protocol === "HTTPS" || protocol === "TLS") {
    if (certificate === undefined)
      return [
        { field: "certificateArn", value: certificate, reason: `is required for ${protocol}` },
      ];
    return isString(certificate) && !CERTIFICATE_ARN.test(certificate)
      ? [
          {
            field: "certificateArn",
            value: certificate,
            reason: "is not an ACM or IAM certificate ARN",
          },
        ]
      : [];
  }
  return (["certificateArn", "sslPolicy"] as const)
    .filter((field) => listener[field] !== undefined && protocol !== "")
    .map((field) => ({
      field,
      value: listener[field],
      reason: `applies to HTTPS and TLS listeners only, not ${protocol}`,
    }));
}

function redirectProblems(at: string, redirect: Fields, listenerProtocol: unknown): Violation[] {
  const problems: Violation[] = [];
  const { port, protocol, statusCode } = redirect;
  if (port !== undefined && port !== "#{port}")
    problems.push(
      ...outOfRange(`${at}.port`, port, 1, 65535).map((v) => ({
        ...v,
        reason: `${v.reason} or #{port}`,
      })),
    );
  if (protocol !== undefined && !["HTTP", "HTTPS", "#{protocol}"].includes(String(protocol)))
    problems.push({
      field: `${at}.protocol`,
      value: protocol,
      reason: "must be HTTP, HTTPS or #{protocol}",
    });
  if (protocol === "HTTP" && String(listenerProtocol).toUpperCase() === "HTTPS")
    problems.push({ field: `${at}.protocol`, value: protocol, reason: "redirects HTTPS to HTTP" });
  if (statusCode !== undefined && !["HTTP_301", "HTTP_302"].includes(String(statusCode)))
    problems.push({
      field: `${at}.statusCode`,
      value: statusCode,
      reason: "must be HTTP_301 or HTTP_302",
    });
  return problems;
}

/** S3's reserved bucket name prefixes and suffixes. */
const RESERVED_BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];

function bucketNameReasons(name: PhysicalName): string[] {
  const n = name.name;
  return [
    ...lengthReasons(n, 3, 63),
    ...characterReasons(n, /[a-z0-9.-]/, "a-z 0-9 . and -"),
    ...(/^[a-z0-9]/.test(n) && (name.generatedEnd || /[a-z0-9]$/.test(n))
      ? []
      : ["must begin and end with a lowercase letter or digit"]),
    ...(n.includes("..") ? ["must not contain two adjacent periods"] : []),
    ...(/^\d+\.\d+\.\d+\.\d+$/.test(n) ? ["must not be formatted as an IP address"] : []),
    ...RESERVED_BUCKET_PREFIXES.filter((p) => n.startsWith(p)).map(
      (p) => `must not start with ${p}`,
    ),
    ...RESERVED_BUCKET_SUFFIXES.filter((s) => !name.generatedEnd && n.endsWith(s)).map(
      (s) => `must not end with ${s}`,
    ),
  ];
}

const s3Rules: PreflightRule[] = [
  defineRule({
    id: "s3-bucket-name",
    requirement:
      "A bucket name is 3 to 63 lowercase letters, digits, dots and hyphens, begins and ends with a letter or digit, has no two adjacent dots, is not an IP address and avoids the reserved prefixes and suffixes.",
    types: [TYPES.bucket, TYPES.bucketV2],
    docs: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    inspect: (r) => nameProblems(r, "bucket", bucketNameReasons),
    breaking: [
      breaks("bucket", fixture(TYPES.bucket, { bucket: "Shop-Api-Logs" })),
      breaks("bucket", fixture(TYPES.bucket, { bucket: "shop..logs" })),
      breaks("bucket", fixture(TYPES.bucket, { bucket: "192.168.5.4" })),
      breaks("bucket", fixture(TYPES.bucket, { bucket: "xn--logs" })),
      breaks(
        "bucket (auto-named)",
        fixture(TYPES.bucket, {}, { bucket: `${filler(60, "l")}-c95f389` }),
      ),
      breaks("bucketPrefix", fixture(TYPES.bucket, { bucketPrefix: filler(40, "l") })),
    ],
    passing: [fixture(TYPES.bucket, {}, { bucket: "shop-api-logs-bucket-c95f389" })],
  }),
  defineRule({
    id: "s3-bucket-policy-size",
    requirement: "A bucket policy is at most 20 KB.",
    types: [TYPES.bucketPolicy],
    docs: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
    inspect: (r) => tooLong("policy", r.inputs.policy, 20 * 1024, "bytes"),
    breaking: [
      breaks(
        "policy",
        fixture(TYPES.bucketPolicy, { policy: JSON.stringify({ Sid: filler(21000) }) }),
      ),
    ],
    passing: [fixture(TYPES.bucketPolicy, { policy: JSON.stringify({ Version: "2012-10-17" }) })],
  }),
  defineRule({
    id: "s3-lifecycle-rule-id",
    requirement: "A lifecycle rule's ID is at most 255 characters.",
    types: [TYPES.bucketLifecycle, TYPES.bucketLifecycleV2],
    docs: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html",
    inspect: (r) =>
      list(r.inputs.rules).flatMap((rule, i) => tooLong(`rules[${i}].id`, record(rule)?.id, 255)),
    breaking: [
      breaks("rules[0].id", fixture(TYPES.bucketLifecycle, { rules: [{ id: filler(256) }] })),
    ],
    passing: [fixture(TYPES.bucketLifecycle, { rules: [{ id: "expire-logs" }] })],
  }),
];

/** IAM descriptions: tab, newline, carriage return and printable Latin-1. */
const IAM_DESCRIPTION_CHARACTER = /[\t\n\r\u0020-\u007e\u00a1-\u00ff]/;

/** Policy documents: tab, newline, carriage return and U+0020 to U+00FF. */
const POLICY_CHARACTER = /[\t\n\r\u0020-\u00ff]/;

function policyDocumentProblems(field: string, document: unknown, max: number): Violation[] {
  if (!isString(document)) return [];
  const length = policyLength(document);
  return [
    ...(length > max
      ? [
          {
            field,
            value: document,
            reason: `is ${length} characters without white space; the limit is ${max}`,
          },
        ]
      : []),
    ...badCharacters(
      field,
      document,
      POLICY_CHARACTER,
      "tab, newline, carriage return and U+0020-U+00FF",
    ),
  ];
}

const iamRules: PreflightRule[] = [
  defineRule({
    id: "iam-role-name",
    requirement: `A role name is 1 to 64 characters of ${IAM_NAME_LABEL}.`,
    types: [TYPES.role],
    docs: `${IAM_API}/API_CreateRole.html`,
    inspect: (r) => nameProblems(r, "name", iamNameReasons(64)),
    breaking: [
      breaks("name", fixture(TYPES.role, { name: "shop api hosts" })),
      breaks("name (auto-named)", autoNamed(TYPES.role, filler(60))),
      breaks("namePrefix", fixture(TYPES.role, { namePrefix: filler(39) })),
    ],
    passing: [fixture(TYPES.role, {}, { name: "shop-api-hosts-role-3b1f791" })],
  }),
  defineRule({
    id: "iam-role-description",
    requirement: "A role description is at most 1000 printable Latin-1 characters.",
    types: [TYPES.role],
    docs: `${IAM_API}/API_CreateRole.html`,
    inspect: (r) => [
      ...tooLong("description", r.inputs.description, 1000),
      ...badCharacters(
        "description",
        r.inputs.description,
        IAM_DESCRIPTION_CHARACTER,
        "printable Latin-1",
      ),
    ],
    breaking: [
      breaks("description", fixture(TYPES.role, { description: "berth hosts → SSM and ECR" })),
      breaks("description", fixture(TYPES.role, { description: filler(1001) })),
    ],
    passing: [
      fixture(TYPES.role, {
        description: "berth hosts of shop-api/prod: SSM core and ECR pull only",
      }),
    ],
  }),
  defineRule({
    id: "iam-role-trust-policy-size",
    requirement: "A role trust policy is at most 2048 characters, not counting white space.",
    types: [TYPES.role],
    docs: IAM_QUOTAS,
    inspect: (r) => policyDocumentProblems("assumeRolePolicy", r.inputs.assumeRolePolicy, 2048),
    breaking: [
      breaks(
        "assumeRolePolicy",
        fixture(TYPES.role, {
          assumeRolePolicy: JSON.stringify({ Statement: [{ Sid: filler(2100) }] }),
        }),
      ),
    ],
    passing: [
      fixture(TYPES.role, {
        // Over 2048 characters as written, under it without the white space.
        assumeRolePolicy: JSON.stringify({ Statement: [{ Sid: filler(2000) }] }, null, 8),
      }),
    ],
  }),
  defineRule({
    id: "iam-policy-name",
    requirement: `A managed policy name is 1 to 128 characters of ${IAM_NAME_LABEL}.`,
    types: [TYPES.policy],
    docs: `${IAM_API}/API_CreatePolicy.html`,
    inspect: (r) => nameProblems(r, "name", iamNameReasons(128)),
    breaking: [
      breaks("name", fixture(TYPES.policy, { name: "ecr:pull" })),
      breaks("namePrefix", fixture(TYPES.policy, { namePrefix: filler(103) })),
    ],
    passing: [fixture(TYPES.policy, { name: "shop-api-ecr-pull" })],
  }),
  defineRule({
    id: "iam-inline-policy-name",
    requirement: `An inline role policy name is 1 to 128 characters of ${IAM_NAME_LABEL}.`,
    types: [TYPES.rolePolicy, TYPES.role],
    docs: `${IAM_API}/API_PutRolePolicy.html`,
    inspect: (r) =>
      r.type === TYPES.rolePolicy
        ? nameProblems(r, "name", iamNameReasons(128))
        : list(r.inputs.inlinePolicies).flatMap((policy, i) => {
            const name = record(policy)?.name;
            return isString(name)
              ? iamNameReasons(128)({ field: "name", name, generatedEnd: false }).map((reason) => ({
                  field: `inlinePolicies[${i}].name`,
                  value: name,
                  reason,
                }))
              : [];
          }),
    breaking: [
      breaks("name", fixture(TYPES.rolePolicy, { name: "ecr/pull" })),
      breaks(
        "inlinePolicies[0].name",
        fixture(TYPES.role, { inlinePolicies: [{ name: "pull images" }] }),
      ),
    ],
    passing: [
      fixture(TYPES.rolePolicy, { name: "shop-api-ecr-pull" }),
      fixture(TYPES.role, { inlinePolicies: [{ name: "ecr-pull" }] }),
    ],
  }),
  defineRule({
    id: "iam-policy-size",
    requirement:
      "A managed policy is at most 6144 characters and a role's inline policies at most 10240 together, not counting white space.",
    types: [TYPES.policy, TYPES.rolePolicy, TYPES.role],
    docs: IAM_QUOTAS,
    inspect: (r) => {
      if (r.type === TYPES.policy) return policyDocumentProblems("policy", r.inputs.policy, 6144);
      if (r.type === TYPES.rolePolicy)
        return policyDocumentProblems("policy", r.inputs.policy, 10240);
      const inline = list(r.inputs.inlinePolicies)
        .map((p) => record(p)?.policy)
        .filter(isString);
      const total = inline.reduce((sum, p) => sum + policyLength(p), 0);
      return total > 10240
        ? [
            {
              field: "inlinePolicies",
              value: `<${inline.length} policies>`,
              reason: `are ${total} characters together; the limit is 10240`,
            },
          ]
        : [];
    },
    breaking: [
      breaks("policy", fixture(TYPES.policy, { policy: JSON.stringify({ Sid: filler(6200) }) })),
      breaks(
        "policy",
        fixture(TYPES.rolePolicy, { policy: JSON.stringify({ Sid: filler(10300) }) }),
      ),
      breaks(
        "inlinePolicies",
        fixture(TYPES.role, {
          inlinePolicies: [
            { name: "a", policy: JSON.stringify({ Sid: filler(6000) }) },
            { name: "b", policy: JSON.stringify({ Sid: filler(6000) }) },
          ],
        }),
      ),
    ],
    passing: [fixture(TYPES.policy, { policy: JSON.stringify({ Sid: filler(6000) }, null, 2) })],
  }),
  defineRule({
    id: "iam-instance-profile-name",
    requirement: `An instance profile name is 1 to 128 characters of ${IAM_NAME_LABEL}.`,
    types: [TYPES.instanceProfile],
    docs: `${IAM_API}/API_CreateInstanceProfile.html`,
    inspect: (r) => nameProblems(r, "name", iamNameReasons(128)),
    breaking: [
      breaks("name", fixture(TYPES.instanceProfile, { name: "hosts/profile" })),
      breaks("namePrefix", fixture(TYPES.instanceProfile, { namePrefix: filler(103) })),
    ],
    passing: [fixture(TYPES.instanceProfile, {}, { name: "shop-api-hosts-profile-88b9c9d" })],
  }),
];

const ECR_REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const LOG_RETENTION_DAYS = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653,
];

function ssmNameReasons(name: PhysicalName): string[] {
  const n = name.name;
  const segments = n.split("/").filter((s) => s !== "");
  return [
    ...lengthReasons(n, 1, 1011),
    ...characterReasons(n, /[a-zA-Z0-9_.\-/]/, "a-z A-Z 0-9 _.- and / between levels"),
    ...(/^\/?(aws|ssm)/i.test(n) ? ["must not begin with aws or ssm"] : []),
    ...(n.includes("/") && !n.startsWith("/") ? ["must begin with / when it has levels"] : []),
    ...(segments.length > 15 ? [`has ${segments.length} levels; the limit is 15`] : []),
  ];
}

const serviceRules: PreflightRule[] = [
  defineRule({
    id: "ecr-repository-name",
    requirement:
      "A repository name is 2 to 256 characters: lowercase letters and digits, separated by single . _ or -, in /-separated namespaces.",
    types: [TYPES.ecrRepository],
    docs: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    inspect: (r) =>
      nameProblems(r, "name", (n) => [
        ...lengthReasons(n.name, 2, 256),
        ...(ECR_REPOSITORY_NAME.test(n.name)
          ? []
          : [
              "must be lowercase letters and digits separated by single . _ or - (namespaces with /)",
            ]),
      ]),
    breaking: [
      breaks("name", fixture(TYPES.ecrRepository, { name: "Shop-Api-App" })),
      breaks("name", fixture(TYPES.ecrRepository, { name: "shop-api--app" })),
      breaks("name", fixture(TYPES.ecrRepository, { name: "shop-api-app/" })),
    ],
    passing: [fixture(TYPES.ecrRepository, { name: "shop-api-prod-app" })],
  }),
  defineRule({
    id: "ecr-lifecycle-policy-length",
    requirement: "A lifecycle policy document is 100 to 30720 characters.",
    types: [TYPES.ecrLifecyclePolicy],
    docs: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutLifecyclePolicy.html",
    inspect: (r) => {
      const policy = r.inputs.policy;
      if (!isString(policy)) return [];
      const length = characters(policy);
      return length < 100 || length > 30720
        ? [
            {
              field: "policy",
              value: policy,
              reason: `is ${length} characters; it must be 100 to 30720`,
            },
          ]
        : [];
    },
    breaking: [breaks("policy", fixture(TYPES.ecrLifecyclePolicy, { policy: '{"rules":[]}' }))],
    passing: [
      fixture(TYPES.ecrLifecyclePolicy, {
        policy: JSON.stringify({ rules: [{ description: filler(120) }] }),
      }),
    ],
  }),
  defineRule({
    id: "ecr-lifecycle-policy-rules",
    requirement:
      "Lifecycle rules have unique priorities, tagStatus any last, tagged rules with exactly one of tagPrefixList or tagPatternList (untagged and any with neither), at most 4 wildcards per pattern, at most one untagged rule, and a countNumber of at least 1.",
    types: [TYPES.ecrLifecyclePolicy],
    docs: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html",
    inspect: (r) => {
      const policy = r.inputs.policy;
      if (!isString(policy)) return [];
      return lifecyclePolicyProblems(policy).map((reason) => ({
        field: "policy",
        value: policy,
        reason,
      }));
    },
    breaking: [
      breaks(
        "policy",
        fixture(TYPES.ecrLifecyclePolicy, {
          policy: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                selection: { tagStatus: "tagged", countType: "imageCountMoreThan", countNumber: 3 },
                action: { type: "expire" },
              },
            ],
          }),
        }),
      ),
      breaks(
        "policy",
        fixture(TYPES.ecrLifecyclePolicy, {
          policy: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 0 },
                action: { type: "expire" },
              },
            ],
          }),
        }),
      ),
    ],
    passing: [
      fixture(TYPES.ecrLifecyclePolicy, {
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              selection: {
                tagStatus: "tagged",
                tagPrefixList: ["release-"],
                countType: "imageCountMoreThan",
                countNumber: 4,
              },
              action: { type: "expire" },
            },
            {
              rulePriority: 2,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
              action: { type: "expire" },
            },
          ],
        }),
      }),
    ],
  }),
  defineRule({
    id: "logs-group-name",
    requirement:
      "A log group name is 1 to 512 characters of a-z A-Z 0-9 _ - / . # and does not start with aws/.",
    types: [TYPES.logGroup],
    docs: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    inspect: (r) =>
      nameProblems(r, "name", (n) => [
        ...lengthReasons(n.name, 1, 512),
        ...characterReasons(n.name, /[a-zA-Z0-9_\-/.#]/, "a-z A-Z 0-9 and _-/.#"),
        ...(n.name.startsWith("aws/") ? ["must not start with aws/"] : []),
      ]),
    breaking: [
      breaks("name", fixture(TYPES.logGroup, { name: "/berth/shop api" })),
      breaks("name", fixture(TYPES.logGroup, { name: "aws/berth" })),
    ],
    passing: [fixture(TYPES.logGroup, { name: "/berth/shop-api/prod" })],
  }),
  defineRule({
    id: "logs-retention-days",
    requirement: `Log retention is one of ${LOG_RETENTION_DAYS.join(", ")} days (0: never expire).`,
    types: [TYPES.logGroup],
    docs: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    inspect: (r) => {
      const days = r.inputs.retentionInDays;
      return days === undefined || LOG_RETENTION_DAYS.includes(wholeNumber(days) ?? -1)
        ? []
        : [
            {
              field: "retentionInDays",
              value: days,
              reason: "is not a retention CloudWatch Logs offers",
            },
          ];
    },
    breaking: [breaks("retentionInDays", fixture(TYPES.logGroup, { retentionInDays: 45 }))],
    passing: [fixture(TYPES.logGroup, { retentionInDays: 90 })],
  }),
  defineRule({
    id: "ssm-parameter-name",
    requirement:
      "A parameter name is at most 1011 characters of a-z A-Z 0-9 _ . - and /, does not begin with aws or ssm, begins with / when hierarchical and has at most 15 levels.",
    types: [TYPES.ssmParameter],
    docs: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
    inspect: (r) => nameProblems(r, "name", ssmNameReasons),
    breaking: [
      breaks("name", fixture(TYPES.ssmParameter, { name: "/aws/berth/ami" })),
      breaks("name", fixture(TYPES.ssmParameter, { name: "berth/shop api" })),
      breaks(
        "name",
        fixture(TYPES.ssmParameter, {
          name: `/${Array.from({ length: 16 }, () => "a").join("/")}`,
        }),
      ),
    ],
    passing: [fixture(TYPES.ssmParameter, { name: "/berth/shop-api/prod/release" })],
  }),
  defineRule({
    id: "ssm-parameter-type-tier",
    requirement:
      "A parameter's type is String, StringList or SecureString, and its tier Standard, Advanced or Intelligent-Tiering.",
    types: [TYPES.ssmParameter],
    docs: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
    inspect: (r) => {
      const problems: Violation[] = [];
      const type = r.inputs.type;
      if (type !== undefined && !["String", "StringList", "SecureString"].includes(String(type)))
        problems.push({
          field: "type",
          value: type,
          reason: "must be String, StringList or SecureString",
        });
      const tier = r.inputs.tier;
      if (
        tier !== undefined &&
        !["Standard", "Advanced", "Intelligent-Tiering"].includes(String(tier))
      )
        problems.push({
          field: "tier",
          value: tier,
          reason: "must be Standard, Advanced or Intelligent-Tiering",
        });
      return problems;
    },
    breaking: [
      breaks("type", fixture(TYPES.ssmParameter, { type: "Secret" })),
      breaks("tier", fixture(TYPES.ssmParameter, { tier: "Premium" })),
    ],
    passing: [fixture(TYPES.ssmParameter, { type: "SecureString", tier: "Standard" })],
  }),
  defineRule({
    id: "ssm-parameter-value",
    requirement:
      "A parameter value is at most 4 KB in the Standard tier and 8 KB in the Advanced tier.",
    types: [TYPES.ssmParameter],
    docs: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
    inspect: (r) => {
      const limit = r.inputs.tier === undefined || r.inputs.tier === "Standard" ? 4096 : 8192;
      return [
        ...tooLong("value", r.inputs.value, limit),
        ...tooLong("insecureValue", r.inputs.insecureValue, limit),
      ];
    },
    breaking: [
      breaks("value", fixture(TYPES.ssmParameter, { value: filler(4097) })),
      breaks(
        "insecureValue",
        fixture(TYPES.ssmParameter, { tier: "Advanced", insecureValue: filler(8193) }),
      ),
    ],
    passing: [fixture(TYPES.ssmParameter, { tier: "Advanced", value: filler(8000) })],
  }),
];

const tagRules: PreflightRule[] = [
  defineRule({
    id: "tags-per-resource",
    requirement: "A resource has at most 50 tags.",
    types: [EVERY_AWS_TYPE],
    docs: TAG_RESTRICTIONS,
    inspect: (r) =>
      tagMaps(r)
        .filter(({ tags }) => Object.keys(tags).length > 50)
        .map(({ field, tags }) => ({
          field,
          value: `<${Object.keys(tags).length} tags>`,
          reason: "has more than 50 tags",
        })),
    breaking: [
      breaks(
        "tags",
        fixture(TYPES.vpc, {
          tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"])),
        }),
      ),
    ],
    passing: [
      fixture(TYPES.vpc, {
        tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, "x"])),
      }),
    ],
  }),
  defineRule({
    id: "tag-key",
    requirement: "A tag key is 1 to 128 characters and does not begin with aws: (in any case).",
    types: [EVERY_AWS_TYPE],
    docs: TAG_RESTRICTIONS,
    inspect: (r) =>
      tagMaps(r).flatMap(({ field, tags }) =>
        Object.keys(tags).flatMap((key): Violation[] => {
          const length = characters(key);
          return [
            ...(length < 1 || length > 128
              ? [
                  {
                    field: `${field} key`,
                    value: key,
                    reason: `is ${length} characters; it must be 1 to 128`,
                  },
                ]
              : []),
            ...(key.toLowerCase().startsWith("aws:")
              ? [{ field: `${field} key`, value: key, reason: "uses the reserved prefix aws:" }]
              : []),
          ];
        }),
      ),
    breaking: [
      breaks("tags key", fixture(TYPES.instance, { tags: { "aws:team": "platform" } })),
      breaks("tags key", fixture(TYPES.instance, { tags: { [filler(129)]: "x" } })),
      breaks(
        "rootBlockDevice.tags key",
        fixture(TYPES.instance, { rootBlockDevice: { tags: { "AWS:x": "y" } } }),
      ),
    ],
    passing: [
      fixture(TYPES.instance, { tags: { "berth:app": "shop-api", Name: "shop-api-hosts-host-1" } }),
    ],
  }),
  defineRule({
    id: "tag-value",
    requirement: "A tag value is at most 256 characters.",
    types: [EVERY_AWS_TYPE],
    docs: TAG_RESTRICTIONS,
    inspect: (r) =>
      tagMaps(r).flatMap(({ field, tags }) =>
        Object.entries(tags).flatMap(([key, value]) => tooLong(`${field}.${key}`, value, 256)),
      ),
    breaking: [breaks("tags.team", fixture(TYPES.subnet, { tags: { team: filler(257) } }))],
    passing: [fixture(TYPES.subnet, { tags: { team: filler(256) } })],
  }),
  defineRule({
    id: "tag-characters",
    requirement: `Tag keys and values use ${TAG_LABEL} only: the set ELB, IAM and the other services share (EC2 alone accepts more, and berth puts one tag set on everything).`,
    types: [EVERY_AWS_TYPE],
    docs: `${ELB_API}/API_Tag.html`,
    inspect: (r) =>
      tagMaps(r).flatMap(({ field, tags }) =>
        Object.entries(tags).flatMap(([key, value]) => [
          ...badCharacters(`${field} key`, key, TAG_CHARACTER, TAG_LABEL),
          ...badCharacters(`${field}.${key}`, value, TAG_CHARACTER, TAG_LABEL),
        ]),
      ),
    breaking: [
      breaks("tags key", fixture(TYPES.loadBalancer, { tags: { "cost center?": "cc-4711" } })),
      breaks("tags.owner", fixture(TYPES.role, { tags: { owner: "platform <ops@example.com>" } })),
    ],
    passing: [
      fixture(TYPES.loadBalancer, { tags: { "cost-center": "cc 4711", "berth:app": "shop-api" } }),
    ],
  }),
];

// ---------------------------------------------------------------------------------------------
// RDS
// ---------------------------------------------------------------------------------------------

const RDS_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference";

/**
 * RDS identifiers (instances, snapshots, parameter groups, proxies): letters, digits and hyphens,
 * starting with a letter, no two hyphens in a row, no hyphen at the end.
 */
function rdsIdentifierReasons(max: number): (name: PhysicalName) => string[] {
  return (name) => [
    ...lengthReasons(name.name, 1, max),
    ...characterReasons(name.name, /[a-zA-Z0-9-]/, "a-z A-Z 0-9 and -"),
    ...(/^[a-zA-Z]/.test(name.name) ? [] : ["must begin with a letter"]),
    ...(name.name.includes("--") ? ["must not contain two hyphens in a row"] : []),
    ...(!name.generatedEnd && name.name.endsWith("-") ? ["must not end with a hyphen"] : []),
  ];
}

/** An identifier the program sets itself (no generated end), checked like one AWS generates. */
function setIdentifierProblems(field: string, value: unknown, max: number): Violation[] {
  if (!isString(value)) return [];
  return rdsIdentifierReasons(max)({ field, name: value, generatedEnd: false }).map((reason) => ({
    field,
    value,
    reason,
  }));
}

/** Roles RDS for PostgreSQL creates itself: a master user cannot take their names. */
const RDS_RESERVED_USERNAMES = ["rdsadmin", "rdsrepladmin", "rds_superuser"];
/** Printable ASCII but / " @ and space: what RDS takes in a master password. */
const RDS_PASSWORD_CHARACTER = /[!#-.0-?A-~]/;
const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade", "iam-db-auth-error"];

const rdsRules: PreflightRule[] = [
  defineRule({
    id: "rds-instance-identifier",
    requirement:
      "A DB instance identifier and its final snapshot identifier are 1 to 63 letters, digits or hyphens, begin with a letter, and have no two hyphens in a row and no hyphen at the end; a final snapshot (skipFinalSnapshot false) needs its identifier.",
    types: [TYPES.rdsInstance],
    docs: `${RDS_API}/API_CreateDBInstance.html`,
    inspect: (r) => [
      ...nameProblems(r, "identifier", rdsIdentifierReasons(63)),
      ...setIdentifierProblems("finalSnapshotIdentifier", r.inputs.finalSnapshotIdentifier, 255),
      ...(r.inputs.skipFinalSnapshot === false && !isString(r.inputs.finalSnapshotIdentifier)
        ? [
            {
              field: "finalSnapshotIdentifier",
              value: r.inputs.finalSnapshotIdentifier,
              reason: "must be set when skipFinalSnapshot is false",
            },
          ]
        : []),
    ],
    breaking: [
      breaks("identifier", fixture(TYPES.rdsInstance, { identifier: "shop--api" })),
      breaks("identifier", fixture(TYPES.rdsInstance, { identifier: "1shop" })),
      breaks("identifier (auto-named)", autoNamed(TYPES.rdsInstance, filler(60))),
      breaks(
        "finalSnapshotIdentifier",
        fixture(TYPES.rdsInstance, { finalSnapshotIdentifier: "shop-api-final-" }),
      ),
      breaks("finalSnapshotIdentifier", fixture(TYPES.rdsInstance, { skipFinalSnapshot: false })),
    ],
    passing: [
      fixture(
        TYPES.rdsInstance,
        { skipFinalSnapshot: false, finalSnapshotIdentifier: "shop-api-prod-final-0a1b2c3d" },
        { identifier: "shop-api-db-3b1f791" },
      ),
    ],
  }),
  defineRule({
    id: "rds-instance-master-user",
    requirement:
      'A PostgreSQL master user name is 1 to 63 letters, digits or underscores, begins with a letter and is not a name RDS reserves; its password is 8 to 128 printable ASCII characters other than / " @ and space.',
    types: [TYPES.rdsInstance],
    docs: `${RDS_API}/API_CreateDBInstance.html`,
    inspect: (r) => {
      const problems: Violation[] = [];
      const username = r.inputs.username;
      if (isString(username)) {
        if (!/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/.test(username))
          problems.push({
            field: "username",
            value: username,
            reason: "must be 1 to 63 letters, digits or _, beginning with a letter",
          });
        if (RDS_RESERVED_USERNAMES.includes(username.toLowerCase()))
          problems.push({ field: "username", value: username, reason: "is reserved by RDS" });
      }
      const password = r.inputs.password;
      if (isString(password)) {
        // Never the value itself: it is the database's master password.
        const hidden = "(secret, not shown)";
        const length = characters(password);
        if (length < 8 || length > 128)
          problems.push({
            field: "password",
            value: hidden,
            reason: `is ${length} characters; it must be 8 to 128`,
          });
        if (disallowedCharacters(password, RDS_PASSWORD_CHARACTER).length > 0)
          problems.push({
            field: "password",
            value: hidden,
            reason: 'contains / " @, a space or a non-ASCII character',
          });
      }
      return problems;
    },
    breaking: [
      breaks("username", fixture(TYPES.rdsInstance, { username: "shop-api" })),
      breaks("username", fixture(TYPES.rdsInstance, { username: "rdsadmin" })),
      breaks("password", fixture(TYPES.rdsInstance, { password: "short" })),
      breaks("password", fixture(TYPES.rdsInstance, { password: "has/a/slash/in/it" })),
    ],
    passing: [
      fixture(TYPES.rdsInstance, { username: "berth", password: "Aa1bcdefghijklmnopqrstuvwxyz" }),
    ],
  }),
  defineRule({
    id: "rds-instance-settings",
    requirement:
      "Backups are kept 0 to 35 days; gp3 storage for PostgreSQL is 20 to 65536 GiB and maxAllocatedStorage at least 10% above allocatedStorage; PostgreSQL exports only postgresql, upgrade and iam-db-auth-error logs; the port is 1150 to 65535.",
    types: [TYPES.rdsInstance],
    docs: `${RDS_API}/API_CreateDBInstance.html`,
    inspect: (r) => {
      const problems: Violation[] = [
        ...outOfRange("backupRetentionPeriod", r.inputs.backupRetentionPeriod, 0, 35, " days"),
        ...outOfRange("allocatedStorage", r.inputs.allocatedStorage, 20, 65536, " GiB"),
        // 0 turns storage autoscaling off.
        ...(wholeNumber(r.inputs.maxAllocatedStorage) === 0
          ? []
          : outOfRange("maxAllocatedStorage", r.inputs.maxAllocatedStorage, 21, 65536, " GiB")),
        ...outOfRange("port", r.inputs.port, 1150, 65535),
      ];
      const allocated = wholeNumber(r.inputs.allocatedStorage);
      const max = wholeNumber(r.inputs.maxAllocatedStorage);
      if (allocated !== undefined && max !== undefined && max > 0 && max * 10 < allocated * 11)
        problems.push({
          field: "maxAllocatedStorage",
          value: max,
          reason: `must be at least 10% above allocatedStorage (${allocated})`,
        });
      if (r.inputs.engine === "postgres")
        for (const log of list(r.inputs.enabledCloudwatchLogsExports))
          if (!POSTGRES_LOG_EXPORTS.includes(String(log)))
            problems.push({
              field: "enabledCloudwatchLogsExports",
              value: log,
              reason: `is not a PostgreSQL log; allowed: ${POSTGRES_LOG_EXPORTS.join(", ")}`,
            });
      return problems;
    },
    breaking: [
      breaks("backupRetentionPeriod", fixture(TYPES.rdsInstance, { backupRetentionPeriod: 36 })),
      breaks("allocatedStorage", fixture(TYPES.rdsInstance, { allocatedStorage: 10 })),
      breaks(
        "maxAllocatedStorage",
        fixture(TYPES.rdsInstance, { allocatedStorage: 100, maxAllocatedStorage: 109 }),
      ),
      breaks(
        "enabledCloudwatchLogsExports",
        fixture(TYPES.rdsInstance, { engine: "postgres", enabledCloudwatchLogsExports: ["error"] }),
      ),
    ],
    passing: [
      fixture(TYPES.rdsInstance, {
        engine: "postgres",
        backupRetentionPeriod: 7,
        allocatedStorage: 20,
        maxAllocatedStorage: 100,
        port: 5432,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      }),
    ],
  }),
  defineRule({
    id: "rds-parameter-group",
    requirement:
      "A DB parameter group name is 1 to 255 letters, digits or hyphens, begins with a letter, with no two hyphens in a row and no hyphen at the end; a PostgreSQL family is postgresN; each parameter applies immediate or pending-reboot.",
    types: [TYPES.rdsParameterGroup],
    docs: `${RDS_API}/API_CreateDBParameterGroup.html`,
    inspect: (r) => [
      ...nameProblems(r, "name", rdsIdentifierReasons(255)),
      ...(isString(r.inputs.family) && !/^(postgres\d+|[a-z-]+[\d.]+)$/.test(r.inputs.family)
        ? [{ field: "family", value: r.inputs.family, reason: "is not a family like postgres17" }]
        : []),
      ...list(r.inputs.parameters).flatMap((p, i) => {
        const method = record(p)?.applyMethod;
        return method === undefined || method === "immediate" || method === "pending-reboot"
          ? []
          : [
              {
                field: `parameters[${i}].applyMethod`,
                value: method,
                reason: "must be immediate or pending-reboot",
              },
            ];
      }),
    ],
    breaking: [
      breaks("name", fixture(TYPES.rdsParameterGroup, { name: "shop_api_pg" })),
      breaks("family", fixture(TYPES.rdsParameterGroup, { family: "PostgreSQL 17" })),
      breaks(
        "parameters[0].applyMethod",
        fixture(TYPES.rdsParameterGroup, {
          parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "reboot" }],
        }),
      ),
    ],
    passing: [
      fixture(
        TYPES.rdsParameterGroup,
        {
          family: "postgres17",
          parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }],
        },
        { name: "shop-api-db-postgres17-3b1f791" },
      ),
    ],
  }),
  defineRule({
    id: "rds-subnet-group",
    requirement:
      "A DB subnet group name is at most 255 lowercase letters, digits, spaces, periods, underscores or hyphens and not default; it has a description and subnets in at least two zones (two or more subnets).",
    types: [TYPES.rdsSubnetGroup],
    docs: `${RDS_API}/API_CreateDBSubnetGroup.html`,
    inspect: (r) => [
      ...nameProblems(r, "name", (n) => [
        ...lengthReasons(n.name, 1, 255),
        ...characterReasons(n.name, /[a-z0-9 ._-]/, "a-z 0-9 space and ._-"),
        ...(n.name === "default" ? ["must not be default"] : []),
      ]),
      ...(r.inputs.description === ""
        ? [{ field: "description", value: "", reason: "must not be empty" }]
        : []),
      ...(Array.isArray(r.inputs.subnetIds) && r.inputs.subnetIds.length < 2
        ? [
            {
              field: "subnetIds",
              value: r.inputs.subnetIds,
              reason: "must hold subnets of at least two zones",
            },
          ]
        : []),
    ],
    breaking: [
      breaks("name", fixture(TYPES.rdsSubnetGroup, { name: "Shop-API" })),
      breaks("subnetIds", fixture(TYPES.rdsSubnetGroup, { subnetIds: ["subnet-1"] })),
      breaks("description", fixture(TYPES.rdsSubnetGroup, { description: "" })),
    ],
    passing: [
      fixture(
        TYPES.rdsSubnetGroup,
        { description: "berth database", subnetIds: ["subnet-1", "subnet-2"] },
        { name: "shop-api-db-3b1f791" },
      ),
    ],
  }),
  defineRule({
    id: "rds-proxy",
    requirement:
      "A DB proxy name is 1 to 60 letters, digits or hyphens, begins with a letter, with no two hyphens in a row and no hyphen at the end; its engine family is MYSQL, POSTGRESQL or SQLSERVER; it spans at least two subnets; its idle client timeout is 1 to 28800 seconds.",
    types: [TYPES.rdsProxy],
    docs: `${RDS_API}/API_CreateDBProxy.html`,
    inspect: (r) => [
      ...nameProblems(r, "name", rdsIdentifierReasons(60)),
      ...(isString(r.inputs.engineFamily) &&
      !["MYSQL", "POSTGRESQL", "SQLSERVER"].includes(r.inputs.engineFamily)
        ? [
            {
              field: "engineFamily",
              value: r.inputs.engineFamily,
              reason: "must be MYSQL, POSTGRESQL or SQLSERVER",
            },
          ]
        : []),
      ...(Array.isArray(r.inputs.vpcSubnetIds) && r.inputs.vpcSubnetIds.length < 2
        ? [
            {
              field: "vpcSubnetIds",
              value: r.inputs.vpcSubnetIds,
              reason: "must hold at least two subnets",
            },
          ]
        : []),
      ...outOfRange("idleClientTimeout", r.inputs.idleClientTimeout, 1, 28800, " seconds"),
    ],
    breaking: [
      breaks("name", fixture(TYPES.rdsProxy, { name: "shop-api-proxy-" })),
      breaks("engineFamily", fixture(TYPES.rdsProxy, { engineFamily: "postgres" })),
      breaks("vpcSubnetIds", fixture(TYPES.rdsProxy, { vpcSubnetIds: ["subnet-1"] })),
      breaks("idleClientTimeout", fixture(TYPES.rdsProxy, { idleClientTimeout: 0 })),
    ],
    passing: [
      fixture(
        TYPES.rdsProxy,
        {
          engineFamily: "POSTGRESQL",
          vpcSubnetIds: ["subnet-1", "subnet-2"],
          idleClientTimeout: 1800,
        },
        { name: "shop-api-db-proxy-3b1f791" },
      ),
    ],
  }),
  defineRule({
    id: "secretsmanager-secret-name",
    requirement: "A secret name is 1 to 512 ASCII letters, digits or /_+=.@-.",
    types: [TYPES.secret],
    docs: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    inspect: (r) =>
      nameProblems(r, "name", (n) => [
        ...lengthReasons(n.name, 1, 512),
        ...characterReasons(n.name, /[a-zA-Z0-9/_+=.@-]/, "a-z A-Z 0-9 and /_+=.@-"),
      ]),
    breaking: [breaks("name", fixture(TYPES.secret, { name: "shop api db" }))],
    passing: [fixture(TYPES.secret, {}, { name: "shop-api-db-proxy-auth-3b1f791" })],
  }),
];

/** Every rule, in the order problems are reported. */
export const PREFLIGHT_RULES: readonly PreflightRule[] = [
  ...ec2Rules,
  ...loadBalancingRules,
  ...s3Rules,
  ...iamRules,
  ...serviceRules,
  ...rdsRules,
  ...monitoringRules,
  ...tagRules,
];

/** Every problem of every resource under every rule, one line each. */
export function preflight(resources: readonly PreflightResource[]): string[] {
  return resources.flatMap((resource) => PREFLIGHT_RULES.flatMap((rule) => rule.check(resource)));
}
