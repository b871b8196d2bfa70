import assert from "node:assert/strict";
import { ConfigError, decodeConfigValue, parseStackConfig } from "../../infra/src/config";
import { rawStackConfig } from "../support/pulumi/stackConfig";
import { readStackConfig, runProgram, TEST_DATABASE_URL } from "../support/pulumi/runProgram";
import { pulumi } from "../support/pulumi/sdk";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const APP_DIGEST = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-staging-app@sha256:${"a".repeat(64)}`;

/** [what is wrong, how to break staging's config, the one message expected]. */
const BAD_INPUTS: [string, (raw: Raw) => void, string][] = [
  [
    "a scheduled job with six cron fields",
    (r) => (r["berth:schedule"] = [{ name: "report", cron: "*/5 * * * * *", command: ["node"] }]),
    'berth:schedule[0].cron has 6 fields; berth takes five (minute hour day-of-month month day-of-week, in UTC), like "*/15 * * * *" (got "*/5 * * * * *")',
  ],
  [
    "a scheduled job out of range",
    (r) => (r["berth:schedule"] = [{ name: "report", cron: "61 * * * *", command: ["node"] }]),
    'berth:schedule[0].cron is not a valid cron expression: Constraint error, got value 61 expected range 0-59 (got "61 * * * *")',
  ],
  [
    "a scheduled job with a day cron's L",
    (r) => (r["berth:schedule"] = [{ name: "report", cron: "0 0 L * *", command: ["node"] }]),
    'berth:schedule[0].cron uses L, W, # or ?, which berth\'s scheduler does not match; write the days out (got "0 0 L * *")',
  ],
  [
    "two scheduled jobs with one name",
    (r) =>
      (r["berth:schedule"] = [
        { name: "report", cron: "@daily", command: ["node"] },
        { name: "report", cron: "@hourly", command: ["node"] },
      ]),
    'berth:schedule must not repeat a job name (got [{"name":"report","cron":"@daily","command":["node"]},{"name":"report","cron"...)',
  ],
  [
    "a host count that is not a number",
    (r) => (r["berth:hosts"].count = "two"),
    'berth:hosts.count must be a whole number from 1 to 50 (got "two")',
  ],
  [
    "zero hosts",
    (r) => (r["berth:hosts"].count = 0),
    "berth:hosts.count must be a whole number from 1 to 50 (got 0)",
  ],
  [
    "a fractional host count",
    (r) => (r["berth:hosts"].count = 1.5),
    "berth:hosts.count must be a whole number from 1 to 50 (got 1.5)",
  ],
  [
    "a misspelt nested key",
    (r) => (r["berth:hosts"].cont = 2),
    "berth:hosts.cont is not a known key; allowed: count, instanceType, rootVolumeGiB, ami",
  ],
  [
    "a trusted proxy range that is the whole internet",
    (r) => (r["berth:network"].trustedProxyCidr = "0.0.0.0/0"),
    "berth:network.trustedProxyCidr must not trust the whole internet: nginx would take any client's X-Forwarded-For as its address; use the VPC's CIDR (the default) (got \"0.0.0.0/0\")",
  ],
  [
    "a dotted top-level key (set without --path)",
    (r) => (r["berth:hosts.count"] = "2"),
    "berth:hosts.count is not a key: set nested values with --path, e.g. pulumi config set --path 'hosts.count' VALUE",
  ],
  [
    "SSH open to the whole internet",
    (r) => (r["berth:ssh"].allowedCidrs = ["0.0.0.0/0"]),
    'berth:ssh.allowedCidrs[0] must not open SSH to the whole internet; use your office, VPN or CI address like 203.0.113.10/32 (got "0.0.0.0/0")',
  ],
  [
    "a CIDR with host bits set",
    (r) => (r["berth:ssh"].allowedCidrs = ["203.0.113.10/24"]),
    'berth:ssh.allowedCidrs[0] has host bits set; use the network address 203.0.113.0/24 (got "203.0.113.10/24")',
  ],
  [
    "a malformed VPC CIDR",
    (r) => (r["berth:network"].vpcCidr = "10.0.0/16"),
    'berth:network.vpcCidr must be an IPv4 CIDR like 10.0.0.0/16 (got "10.0.0/16")',
  ],
  [
    "a zone outside the region",
    (r) => (r["berth:network"].availabilityZones = ["eu-west-1a", "us-east-1b"]),
    'berth:network.availabilityZones[1] must be a zone of aws:region eu-west-1 (got "us-east-1b")',
  ],
  [
    "a single zone",
    (r) => (r["berth:network"].availabilityZones = ["eu-west-1a"]),
    'berth:network.availabilityZones must list at least 2 availability zones (an ALB needs two) (got ["eu-west-1a"])',
  ],
  [
    "an unknown subnet layout",
    (r) => (r["berth:network"].hostSubnets = "dmz"),
    'berth:network.hostSubnets must be public or private (got "dmz")',
  ],
  [
    "NAT egress for hosts in public subnets",
    (r) => (r["berth:network"].egress = "single-nat"),
    'berth:network.egress only applies when hostSubnets is private: hosts in public subnets reach the internet directly (got "single-nat")',
  ],
  [
    "a region that is not one",
    (r) => (r["aws:region"] = "Europe"),
    'aws:region must be an AWS region like eu-west-1 (got "Europe")',
  ],
  [
    "no region at all",
    (r) => delete r["aws:region"],
    "aws:region must be an AWS region like eu-west-1 (got nothing)",
  ],
  [
    "an app name AWS names cannot carry",
    (r) => (r["berth:app"] = "Shop_API"),
    'berth:app must be 2-20 lowercase letters, digits or dashes, starting with a letter (got "Shop_API")',
  ],
  [
    "an instance type without a family",
    (r) => (r["berth:hosts"].instanceType = "small"),
    'berth:hosts.instanceType must be an EC2 instance type like t3.small (got "small")',
  ],
  [
    "a privileged app port",
    (r) => (r["berth:web"].port = 80),
    "berth:web.port must be a whole number from 1024 to 65535 (got 80)",
  ],
  [
    "a health path without a slash",
    (r) => (r["berth:web"].healthPath = "healthz"),
    'berth:web.healthPath must be a path starting with / like /healthz (got "healthz")',
  ],
  [
    "a worker command as one string",
    (r) => (r["berth:worker"].command = "node dist/worker.js"),
    'berth:worker.command must be a list of strings like ["node", "dist/worker.js"] (got "node dist/worker.js")',
  ],
  [
    "a batch larger than the fleet",
    (r) => (r["berth:release"].batchSize = 3),
    "berth:release.batchSize must be from 1 to berth:hosts.count (1) (got 3)",
  ],
  [
    "a tag where a digest belongs",
    (r) => (r["berth:release"].digest = "shop-api:latest"),
    'berth:release.digest must be an image by digest: REPO@sha256:<64 hex> (got "shop-api:latest")',
  ],
  [
    "an app digest without the proxy digest",
    (r) => (r["berth:release"].digest = APP_DIGEST),
    "berth:release.proxyDigest must be set together with berth:release.digest (got nothing)",
  ],
  [
    "an environment name that is not a variable name",
    (r) => (r["berth:env"]["1BAD"] = "x"),
    'berth:env.1BAD has a bad name: it must be a variable name (letters, digits, _; not starting with a digit) (got "1BAD")',
  ],
  [
    "an unquoted number in the environment",
    (r) => (r["berth:env"].WORKERS = 3),
    'berth:env.WORKERS must be a string (quote numbers and booleans in YAML: "3") (got 3)',
  ],
  [
    "the same variable plain and secret",
    (r) => (r["berth:env"].DATABASE_URL = "postgres://localhost/dev"),
    "berth:env.DATABASE_URL must not also be in berth:secretEnv; keep one (got both)",
  ],
  [
    "a certificate from another region",
    (r) =>
      (r["berth:loadBalancer"].certificateArn =
        "arn:aws:acm:us-east-1:123456789012:certificate/45af6a79-68fc-4949-a580-2ba267268450"),
    'berth:loadBalancer.certificateArn must be a certificate in aws:region eu-west-1 (got "arn:aws:acm:us-east-1:123456789012:certificate/45af6a79-68fc-4949-a580-2ba267268450")',
  ],
  [
    "a certificate name instead of an ARN",
    (r) => (r["berth:loadBalancer"].certificateArn = "my-cert"),
    'berth:loadBalancer.certificateArn must be an ACM certificate ARN like arn:aws:acm:REGION:ACCOUNT:certificate/UUID (got "my-cert")',
  ],
  [
    "a bastion in front of public hosts",
    (r) => (r["berth:bastion"] = { enabled: true }),
    "berth:bastion.enabled needs berth:network.hostSubnets private: hosts in public subnets are reached directly (got true)",
  ],
  [
    "deletion protection as a word",
    (r) => (r["berth:loadBalancer"].deletionProtection = "yes"),
    'berth:loadBalancer.deletionProtection must be true or false (got "yes")',
  ],
  [
    "a public key without its type",
    (r) => (r["berth:ssh"].publicKey = "AAAAC3Nza"),
    'berth:ssh.publicKey must be an OpenSSH public key line ("ssh-ed25519 AAAA...") (got "AAAAC3Nza")',
  ],
  [
    "no SSH private key",
    (r) => delete r["berth:sshPrivateKey"],
    "berth:sshPrivateKey must be an unencrypted OpenSSH private key (what ssh-keygen writes; PKCS#1 and SEC1 PEM also work, PKCS#8 does not); set it with: pulumi config set --secret berth:sshPrivateKey < KEYFILE (got nothing)",
  ],
  [
    "hosts as a scalar",
    (r) => (r["berth:hosts"] = "2"),
    'berth:hosts must be a map (count, instanceType, rootVolumeGiB, ami) (got "2")',
  ],
  [
    "a pinned host key for a host that does not exist",
    (r) =>
      (r["berth:ssh"].hostKeys = {
        "host-3":
          "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHrrZcdFXJiaG2SYy6ArkYMDqMcuqzraXGAOebgLZZDe",
      }),
    "berth:ssh.hostKeys.host-3 names no host: berth:hosts.count is 1 (got a key for host-3)",
  ],
  [
    "a host key with a comment or garbage",
    (r) => (r["berth:ssh"].hostKeys = { "host-1": "ssh-ed25519 AAAA= root@ip-10-20-0-11 extra" }),
    'berth:ssh.hostKeys.host-1 must be an ed25519 or ECDSA host public key line ("ssh-ed25519 AAAA...") (got "ssh-ed25519 AAAA= root@ip-10-20-0-11 extra")',
  ],
  [
    "a log retention of zero days",
    (r) => (r["berth:logs"] = { enabled: true, retentionDays: 0 }),
    "berth:logs.retentionDays must be a whole number from 1 to 3650 (got 0)",
  ],
  [
    "a tag in AWS's reserved namespace",
    (r) => (r["berth:tags"] = { "aws:team": "x" }),
    'berth:tags.aws:team has a bad name: it must be a tag key of 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws: (got "aws:team")',
  ],
  [
    "a tag in AWS's reserved namespace, in capitals",
    (r) => (r["berth:tags"] = { "AWS:owner": "x" }),
    'berth:tags.AWS:owner has a bad name: it must be a tag key of 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws: (got "AWS:owner")',
  ],
  [
    "a tag value ELB and IAM refuse",
    (r) => (r["berth:tags"] = { owner: "platform <ops@example.com>" }),
    'berth:tags.owner must be letters, digits, spaces or _ . : / = + - @ only (got "platform <ops@example.com>")',
  ],
  [
    "more tags than AWS leaves room for",
    (r) =>
      (r["berth:tags"] = Object.fromEntries(
        Array.from({ length: 45 }, (_, i) => [`tag-${i}`, "x"]),
      )),
    'berth:tags must hold at most 44 tags (AWS allows 50 per resource and berth adds up to 6) (got {"tag-0":"x","tag-1":"x","tag-2":"x","tag-3":"x","tag-4":"x","tag-5":"x","tag...)',
  ],
];

describe("infra config: the stack config schema", () => {
  it("accepts staging's real config and fills the documented defaults", () => {
    const config = parseStackConfig(rawStackConfig("staging"));
    assert.equal(config.region, "eu-west-1");
    assert.equal(config.hosts.count, 1);
    assert.equal(config.network.hostSubnets, "public");
    assert.equal(config.network.egress, "internet");
    assert.equal(config.network.trustedProxyCidr, "10.20.0.0/16", "defaults to the VPC");
    assert.deepEqual(config.worker, { command: ["node", "dist/worker.js"], count: 1 });
    assert.equal(config.web.command, null);
    assert.equal(config.release.command, null);
    assert.equal(config.bastion.enabled, false);
    assert.equal(config.loadBalancer.certificateArn, undefined);
    assert.deepEqual(config.secretEnv, { DATABASE_URL: TEST_DATABASE_URL });
  });

  it("accepts prod's real config: two hosts over two zones, private, HTTPS, protected", () => {
    const config = parseStackConfig(rawStackConfig("prod"));
    assert.ok(config.hosts.count >= 2);
    assert.equal(new Set(config.network.availabilityZones).size, 2);
    assert.equal(config.network.hostSubnets, "private");
    assert.equal(config.network.egress, "nat-per-zone");
    assert.match(
      config.loadBalancer.certificateArn ?? "",
      /^arn:aws:acm:eu-west-1:\d{12}:certificate\//,
    );
    assert.equal(config.loadBalancer.deletionProtection, true);
    assert.equal(config.bastion.enabled, true);
    assert.deepEqual(config.logs, { enabled: true, retentionDays: 90 });
  });

  it("the two stacks differ where they should", () => {
    const staging = parseStackConfig(rawStackConfig("staging"));
    const prod = parseStackConfig(rawStackConfig("prod"));
    assert.notEqual(staging.network.vpcCidr, prod.network.vpcCidr);
    const committedKey = (stack: string) =>
      (JSON.parse(readStackConfig(stack)["berth:ssh"] ?? "{}") as { publicKey?: string }).publicKey;
    assert.notEqual(committedKey("staging"), committedKey("prod"), "one deploy key per stack");
    assert.notEqual(staging.hosts.instanceType, prod.hosts.instanceType);
  });

  it("turns worker.count 0 into no worker", () => {
    const raw = rawStackConfig("staging");
    (raw["berth:worker"] as Raw).count = 0;
    assert.equal(parseStackConfig(raw).worker, null);
  });

  it(`rejects ${BAD_INPUTS.length} bad inputs, each with its one message`, () => {
    assert.ok(BAD_INPUTS.length >= 15);
    for (const [what, breakIt, expected] of BAD_INPUTS) {
      const raw = rawStackConfig("staging");
      breakIt(raw as Raw);
      assert.throws(
        () => parseStackConfig(raw),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `${what}: a ConfigError`);
          assert.equal(error.message, expected, what);
          return true;
        },
        what,
      );
    }
  });

  for (const [what, breakIt, expected] of BAD_INPUTS) {
    it(`names the key and value: ${what}`, () => {
      const raw = rawStackConfig("staging");
      breakIt(raw as Raw);
      assert.throws(() => parseStackConfig(raw), { message: expected });
    });
  }

  it("lists every bad value, one line each", () => {
    const raw = rawStackConfig("staging") as Raw;
    raw["berth:hosts"].count = "two";
    raw["berth:web"].port = 80;
    assert.throws(() => parseStackConfig(raw), {
      message:
        'berth:hosts.count must be a whole number from 1 to 50 (got "two")\nberth:web.port must be a whole number from 1024 to 65535 (got 80)',
    });
  });

  it("never echoes a secret value in an error", () => {
    const raw = rawStackConfig("staging") as Raw;
    raw["berth:sshPrivateKey"] = "hunter2-not-a-key";
    raw["berth:secretEnv"] = { "bad-name": "postgres://user:hunter3@db/app", OK: 42 };
    assert.throws(
      () => parseStackConfig(raw),
      (error: Error) => {
        assert.doesNotMatch(error.message, /hunter2|hunter3/);
        assert.match(error.message, /berth:sshPrivateKey .*not shown because it is secret/);
        assert.match(
          error.message,
          /berth:secretEnv\.OK must be a string .*not shown because it is secret/,
        );
        return true;
      },
    );
  });

  it("never echoes the value of an unknown key: a mistyped secret key may hold a secret", () => {
    const raw = rawStackConfig("staging") as Raw;
    (raw as Record<string, unknown>)["berth:secretsEnv"] = {
      DATABASE_URL: "postgres://shop:hunter4-very-long-password-that-pulumi-would-mask@db/shop",
    };
    assert.throws(
      () => parseStackConfig(raw),
      (error: Error) => {
        assert.match(error.message, /^berth:secretsEnv is not a known key; allowed: /);
        assert.doesNotMatch(error.message, /hunter4|postgres/);
        return true;
      },
    );
  });

  it("has no stack trace in what Pulumi prints: the error is a RunError", () => {
    const raw = rawStackConfig("staging") as Raw;
    raw["berth:hosts"].count = "two";
    try {
      parseStackConfig(raw);
      assert.fail("expected a ConfigError");
    } catch (error) {
      // Pulumi prints a RunError's message alone, without the stack.
      assert.equal(pulumi.RunError.isInstance(error), true);
    }
  });

  it("stops `pulumi up` itself with the same message, before any resource exists", async () => {
    await assert.rejects(
      runProgram({
        stack: "staging",
        configOverrides: { "berth:hosts": { count: "two", instanceType: "t3.small" } },
      }),
      (error: Error) => {
        assert.equal(
          error.message,
          'berth:hosts.count must be a whole number from 1 to 50 (got "two")',
        );
        assert.equal(pulumi.RunError.isInstance(error), true);
        return true;
      },
    );
    const registered = [
      ...(
        pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> }
      )
        .getRegisteredResources()
        .keys(),
    ];
    assert.deepEqual(
      registered.filter((urn) => !urn.includes("pulumi:pulumi:Stack")),
      [],
    );
  });

  it("decodes structured values the way the Pulumi CLI passes them", () => {
    assert.deepEqual(decodeConfigValue('{"count":2}'), { count: 2 });
    assert.deepEqual(decodeConfigValue('["a","b"]'), ["a", "b"]);
    assert.equal(decodeConfigValue("shop-api"), "shop-api");
    assert.equal(decodeConfigValue("{not json"), "{not json");
  });
});
