import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import {
  EVERY_AWS_TYPE,
  PREFLIGHT_RULES,
  preflight,
  ruleAppliesTo,
} from "../support/aws/preflight";
import {
  ProgramRun,
  readStackConfig,
  REPO_ROOT,
  runProgram,
  runStackOnce,
} from "../support/pulumi/runProgram";

/** A structured key of a stack's committed config, with some fields changed (undefined removes one). */
function changed(stack: string, key: string, changes: Record<string, unknown>) {
  const committed = readStackConfig(stack)[key];
  return { ...(committed ? (JSON.parse(committed) as Record<string, unknown>) : {}), ...changes };
}

const CERTIFICATE_ARN =
  "arn:aws:acm:eu-west-1:123456789012:certificate/45af6a79-68fc-4949-a580-2ba267268450";

/** The committed stacks, and config variants that change which resources exist and their shape. */
const RUNS: { title: string; run: () => Promise<ProgramRun> }[] = [
  { title: "staging", run: () => runStackOnce("staging") },
  { title: "prod", run: () => runStackOnce("prod") },
  {
    title: "staging with HTTPS and the log archive",
    run: () =>
      runProgram({
        stack: "staging",
        configOverrides: {
          "berth:loadBalancer": changed("staging", "berth:loadBalancer", {
            certificateArn: CERTIFICATE_ARN,
          }),
          "berth:logs": { enabled: true, retentionDays: 30 },
        },
      }),
  },
  {
    title: "staging with berth:domain (a certificate and Route 53 records)",
    run: () =>
      runProgram({
        stack: "staging",
        configOverrides: {
          "berth:domain": {
            name: "staging.shop.example.com",
            zone: "example.com",
            alternativeNames: ["*.staging.shop.example.com"],
          },
        },
      }),
  },
  {
    title: "prod over plain HTTP, without a bastion",
    run: () =>
      runProgram({
        stack: "prod",
        configOverrides: {
          "berth:loadBalancer": changed("prod", "berth:loadBalancer", {
            certificateArn: undefined,
          }),
          "berth:bastion": { enabled: false },
        },
      }),
  },
  {
    title: "prod with ECR interface endpoints instead of NAT gateways",
    run: () =>
      runProgram({
        stack: "prod",
        configOverrides: {
          "berth:network": changed("prod", "berth:network", { egress: "endpoints" }),
        },
      }),
  },
  {
    title: "staging with a database (every default)",
    run: () =>
      runProgram({
        stack: "staging",
        configOverrides: { "berth:database": {} },
        secretConfig: { "berth:secretEnv": {} },
      }),
  },
  {
    title: "prod with a database behind an RDS Proxy, and the longest app name and stack name",
    run: () =>
      runProgram({
        stack: "prod",
        configOverrides: {
          "berth:app": "shop-api-backoffice1",
          "berth:database": { rdsProxy: true, engineVersion: "16" },
        },
        secretConfig: { "berth:secretEnv": {} },
      }),
  },
  {
    title: "prod with the longest app name berth accepts (20 characters)",
    run: () =>
      runProgram({ stack: "prod", configOverrides: { "berth:app": "shop-api-backoffice1" } }),
  },
];

/** A failure message that lists every problem and the AWS pages of the rules broken. */
function report(title: string, problems: string[]): string {
  const ids = [...new Set(problems.map((p) => /\[([a-z0-9-]+)\]$/.exec(p)?.[1] ?? "?"))];
  const pages = ids.map((id) => `  ${id}: ${PREFLIGHT_RULES.find((r) => r.id === id)?.docs}`);
  return [
    `${problems.length} resource input(s) of the ${title} run that AWS would reject:`,
    ...problems.map((p) => `  - ${p}`),
    "Rules (AWS documentation):",
    ...pages,
  ].join("\n");
}

describe("AWS preflight: what the stacks register keeps AWS's documented input rules", () => {
  for (const { title, run } of RUNS) {
    it(`${title}: no resource breaks a rule`, async () => {
      const problems = preflight((await run()).resources);
      if (problems.length > 0) assert.fail(report(title, problems));
    });
  }

  it("looks at the resources that matter: the rules apply to what staging and prod register", async () => {
    const types = new Set(
      [...(await runStackOnce("staging")).resources, ...(await runStackOnce("prod")).resources].map(
        (r) => r.type,
      ),
    );
    const applied = PREFLIGHT_RULES.filter((rule) =>
      [...types].some((t) => ruleAppliesTo(rule, t)),
    );
    const expected = [
      "ec2-security-group-description",
      "ec2-security-group-rule-description",
      "ec2-security-group-rule-ports",
      "vpc-cidr-block-size",
      "ec2-user-data-size",
      "elb-load-balancer-name",
      "elb-target-group-name",
      "elb-health-check-matcher",
      "elb-listener-certificate",
      "s3-bucket-name",
      "iam-role-name",
      "iam-instance-profile-name",
      "ecr-repository-name",
      "cloudwatch-alarm-name",
      "cloudwatch-alarm-shape",
      "cloudwatch-alarm-period",
      "cloudwatch-dashboard",
      "sns-topic-name",
      "logs-group-name",
      "logs-retention-days",
      "tag-key",
    ];
    assert.deepEqual(
      expected.filter((id) => !applied.some((rule) => rule.id === id)),
      [],
      "rules that apply to no resource of either stack: a type token is wrong or the program changed",
    );
  });
});

describe("AWS preflight rules: each one fails its breaking fixtures and passes its passing ones", () => {
  for (const rule of PREFLIGHT_RULES) {
    it(rule.id, () => {
      for (const { field, resource } of rule.breaking) {
        const problems = rule.check(resource);
        assert.ok(
          problems.some(
            (p) =>
              p.startsWith(`${resource.type} ${resource.name}: `) &&
              p.includes(field) &&
              p.endsWith(`[${rule.id}]`),
          ),
          `expected a problem naming ${field} for ${JSON.stringify(resource).slice(0, 200)}; got:\n${problems.join("\n")}`,
        );
      }
      for (const resource of rule.passing)
        assert.deepEqual(rule.check(resource), [], JSON.stringify(resource).slice(0, 200));
    });
  }
});

/** The directory of the @pulumi/aws the program uses. */
function pulumiAwsDir(): string {
  const infra = path.join(REPO_ROOT, "infra");
  return path.dirname(require.resolve("@pulumi/aws/package.json", { paths: [infra] }));
}

describe("AWS preflight table", () => {
  it("every rule cites an AWS documentation page and has breaking and passing fixtures", () => {
    const incomplete = PREFLIGHT_RULES.filter(
      (r) =>
        !r.docs.startsWith("https://docs.aws.amazon.com/") ||
        r.breaking.length === 0 ||
        r.passing.length === 0 ||
        r.requirement.trim() === "",
    ).map((r) => r.id);
    assert.deepEqual(incomplete, []);
  });

  it("rule ids are unique", () => {
    const ids = PREFLIGHT_RULES.map((r) => r.id);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
    );
  });

  it("every type token a rule names is a resource of the @pulumi/aws the program uses", () => {
    const dir = pulumiAwsDir();
    const unknown = PREFLIGHT_RULES.flatMap((rule) =>
      rule.types
        .filter((token) => token !== EVERY_AWS_TYPE)
        .filter((token) => {
          const m = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):[A-Za-z0-9]+$/.exec(token);
          const file = m ? path.join(dir, m[1] ?? "", `${m[2]}.js`) : "";
          return !m || !existsSync(file) || !readFileSync(file, "utf8").includes(`'${token}'`);
        })
        .map((token) => `${rule.id}: ${token}`),
    );
    assert.deepEqual(unknown, []);
  });
});
