/**
 * What differs between AWS regions and partitions: the host role's repository ARNs (built from
 * the partition, never a hard-coded "arn:aws"), and how ELB writes access logs (a regional
 * account in regions opened before Jakarta, the log-delivery service principal since).
 */
import assert from "node:assert/strict";
import { ELB_ACCOUNT_REGIONS, logBucketPolicy } from "../../infra/src/components/logArchive";
import { ecrRepositoryArn, hostPullPolicy } from "../../infra/src/hostPolicy";
import { ProgramRun, runProgram, runStackOnce } from "../support/pulumi/runProgram";

const PROMOTED = {
  app: `210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop-api-staging-app@sha256:${"ab".repeat(32)}`,
  proxy: `210987654321.dkr.ecr.eu-west-1.amazonaws.com/shop-api-staging-proxy@sha256:${"cd".repeat(32)}`,
};

const pullResources = (run: ProgramRun): string[] => {
  const [policy] = run.ofType("aws:iam/rolePolicy:RolePolicy");
  const document = JSON.parse(String(policy?.inputs.policy)) as {
    Statement: { Sid: string; Resource: string | string[] }[];
  };
  return [document.Statement.find((s) => s.Sid === "PullStackImages")?.Resource ?? []].flat();
};

describe("the host role across partitions", () => {
  it("reads the repository ARN from an ECR reference, in the stack's partition", () => {
    assert.equal(
      ecrRepositoryArn(PROMOTED.app, "aws"),
      "arn:aws:ecr:eu-west-1:210987654321:repository/shop-api-staging-app",
    );
    assert.equal(
      ecrRepositoryArn(
        `123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app@sha256:${"a".repeat(64)}`,
        "aws-cn",
      ),
      "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app",
    );
    assert.equal(
      ecrRepositoryArn(`registry.local:5000/app@sha256:${"a".repeat(64)}`, "aws"),
      undefined,
    );
  });

  it("grants no pull at all when there is no ECR repository to pull from", () => {
    const document = JSON.parse(hostPullPolicy([])) as { Statement: { Sid: string }[] };
    assert.deepEqual(
      document.Statement.map((s) => s.Sid),
      ["EcrToken"],
    );
  });

  it("a promoted stack pulls only its own repositories (the release is copied there), in GovCloud's partition too", async () => {
    const promoted = await runProgram({
      stack: "staging",
      configOverrides: {
        "berth:release": {
          batchSize: 1,
          digest: PROMOTED.app,
          proxyDigest: PROMOTED.proxy,
        },
      },
    });
    assert.deepEqual(pullResources(promoted), [
      "arn:aws:ecr:eu-west-1:123456789012:repository/shop-api-staging-app",
      "arn:aws:ecr:eu-west-1:123456789012:repository/shop-api-staging-proxy",
    ]);

    const gov = await runProgram({
      stack: "staging",
      configOverrides: {
        "aws:region": "us-gov-west-1",
        "berth:network": {
          vpcCidr: "10.20.0.0/16",
          availabilityZones: ["us-gov-west-1a", "us-gov-west-1b"],
          hostSubnets: "public",
        },
        "berth:release": {
          batchSize: 1,
          digest: `123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/app@sha256:${"ab".repeat(32)}`,
          proxyDigest: `123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/proxy@sha256:${"cd".repeat(32)}`,
        },
      },
    });
    assert.equal(pullResources(gov).length, 2);
    for (const arn of pullResources(gov)) assert.match(arn, /^arn:aws-us-gov:ecr:us-gov-west-1:/);
  });
});

describe("ALB access logs in old and new regions", () => {
  const statementIds = (policy: string) =>
    (JSON.parse(policy) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid);

  it("names the regional ELB account only where one exists; the delivery service always", () => {
    const old = logBucketPolicy({
      bucketArn: "arn:aws:s3:::b",
      accountId: "123456789012",
      elbAccountArn: "arn:aws:iam::156460612806:root",
    });
    assert.ok(statementIds(old).includes("AlbAccessLogsRegionalAccount"));
    const recent = logBucketPolicy({ bucketArn: "arn:aws:s3:::b", accountId: "123456789012" });
    assert.ok(!statementIds(recent).includes("AlbAccessLogsRegionalAccount"));
    assert.ok(statementIds(recent).includes("AlbAccessLogsDeliveryService"));
    assert.ok(ELB_ACCOUNT_REGIONS.has("eu-west-1") && !ELB_ACCOUNT_REGIONS.has("ap-southeast-3"));
  });

  const bucketPolicyOf = (run: ProgramRun) =>
    String(run.ofType("aws:s3/bucketPolicy:BucketPolicy")[0]?.inputs.policy);

  it("prod in eu-west-1 (before Jakarta): the regional account and the service", async () => {
    const ids = statementIds(bucketPolicyOf(await runStackOnce("prod")));
    assert.ok(
      ids.includes("AlbAccessLogsRegionalAccount") && ids.includes("AlbAccessLogsDeliveryService"),
    );
  });

  it("prod in ap-southeast-3 (Jakarta) and later: no account lookup (which fails there), the service only", async () => {
    const run = await runProgram({
      stack: "prod",
      configOverrides: {
        "aws:region": "ap-southeast-3",
        "berth:network": {
          vpcCidr: "10.30.0.0/16",
          availabilityZones: ["ap-southeast-3a", "ap-southeast-3b"],
          hostSubnets: "private",
          egress: "nat-per-zone",
        },
        "berth:loadBalancer": { deletionProtection: true, idleTimeoutSeconds: 60 },
      },
    });
    assert.ok(!run.calls.some((c) => c.token === "aws:elb/getServiceAccount:getServiceAccount"));
    const ids = statementIds(bucketPolicyOf(run));
    assert.ok(!ids.includes("AlbAccessLogsRegionalAccount"));
    assert.ok(ids.includes("AlbAccessLogsDeliveryService"));
  });
});
