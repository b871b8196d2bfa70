/**
 * berth:appLogs: the app's container logs in CloudWatch Logs. One group per app, stack and process
 * type with the configured retention, a host role that may write to those groups only, and a
 * release spec that tells the agent to use docker's awslogs driver with them. Staging (whose config
 * also drives the local fleet's program test) keeps the host's driver.
 */
import assert from "node:assert/strict";
import { LOG_RETENTION_DAYS } from "../../infra/src/appLogs";
import { parseStackConfig } from "../../infra/src/config";
import { rawStackConfig } from "../support/pulumi/stackConfig";
import { ProgramRun, runStackOnce } from "../support/pulumi/runProgram";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const specsOf = (run: ProgramRun) =>
  run
    .ofType("command:remote:Command")
    .filter((c) => String(c.inputs.create).includes(" deploy "))
    .map((c) => (JSON.parse(String(c.inputs.stdin)) as { spec: Record<string, unknown> }).spec);
const hostPolicyOf = (run: ProgramRun) =>
  JSON.parse(
    String(
      run.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.endsWith("hosts-ecr-pull"))
        ?.inputs.policy,
    ),
  ) as { Statement: { Sid: string; Action: unknown; Resource: unknown }[] };

describe("berth:appLogs in prod", () => {
  let prod: ProgramRun;
  before(async () => {
    prod = await runStackOnce("prod");
  });

  it("one log group per process type, with the configured retention", () => {
    assert.deepEqual(
      prod.ofType(LOG_GROUP).map((g) => [g.inputs.name, g.inputs.retentionInDays]),
      [
        ["/berth/shop-api/prod/web", 30],
        ["/berth/shop-api/prod/worker", 30],
        ["/berth/shop-api/prod/release", 30],
      ],
    );
  });

  it("the host role may create streams in and write to those groups only", () => {
    const arns = prod
      .ofType(LOG_GROUP)
      .map((g) => String(g.state.arn))
      .sort();
    assert.equal(arns.length, 3);
    const statements = hostPolicyOf(prod).Statement.filter((s) =>
      [s.Action].flat().some((a) => String(a).startsWith("logs:")),
    );
    assert.deepEqual(statements, [
      {
        Sid: "WriteAppLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: arns.flatMap((arn) => [arn, `${arn}:log-stream:*`]),
      },
    ]);
    for (const arn of arns)
      assert.match(arn, /^arn:aws:logs:eu-west-1:123456789012:log-group:\/berth\/shop-api\/prod\//);
  });

  it("every host's release spec asks the agent for awslogs into those groups", () => {
    const specs = specsOf(prod);
    assert.equal(specs.length, 2);
    for (const spec of specs)
      assert.deepEqual(spec.logging, {
        driver: "awslogs",
        region: "eu-west-1",
        groups: {
          web: "/berth/shop-api/prod/web",
          worker: "/berth/shop-api/prod/worker",
          release: "/berth/shop-api/prod/release",
        },
      });
  });

  it("the groups exist before the hosts (the role names them; the driver never creates one)", () => {
    const policy = prod
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((p) => p.name.endsWith("hosts-ecr-pull"));
    for (const group of prod.ofType(LOG_GROUP))
      assert.ok(policy?.dependencies.includes(group.urn), group.name);
  });
});

describe("berth:appLogs off (staging)", () => {
  it("no groups, no logs permission, no logging in the spec: the host's own driver", async () => {
    const staging = await runStackOnce("staging");
    assert.equal(staging.ofType(LOG_GROUP).length, 0);
    assert.ok(!hostPolicyOf(staging).Statement.some((s) => s.Sid === "WriteAppLogs"));
    for (const spec of specsOf(staging)) assert.ok(!("logging" in spec));
  });
});

describe("berth:appLogs config", () => {
  it("refuses a retention CloudWatch does not offer, naming the allowed ones", () => {
    const raw = rawStackConfig("prod") as Raw;
    raw["berth:appLogs"] = { enabled: true, retentionInDays: 45 };
    assert.throws(() => parseStackConfig(raw), {
      message: `berth:appLogs.retentionInDays must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")} (got 45)`,
    });
  });

  it("defaults to off with 30 days", () => {
    const raw = rawStackConfig("staging") as Raw;
    delete raw["berth:appLogs"];
    assert.deepEqual(parseStackConfig(raw).appLogs, { enabled: false, retentionInDays: 30 });
  });
});
