import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildInputsHash } from "../../infra/src/buildContext";
import { preflight } from "../support/aws/preflight";
import { securityGroupRules } from "../support/pulumi/inspect";
import { ProgramRun, runProgram } from "../support/pulumi/runProgram";
import { ephemeralKeyPair } from "../aws/sshKey";
import {
  acceptanceStackName,
  acceptanceValues,
  readStackFile,
  REPO_ROOT,
  rollbackConfig,
} from "../aws/stackConfig";
import { createWorkDir, SECOND_RELEASE_FILE, WorkDir } from "../aws/workdir";

const STACK = acceptanceStackName(new Date(Date.UTC(2026, 10, 30, 9, 5)), "0a1b2c");
const KEYS = ephemeralKeyPair(`berth-acceptance@${STACK}`);
const SETTINGS = {
  stackName: STACK,
  region: "us-east-2",
  zones: ["us-east-2a", "us-east-2b"],
  sshCidr: "198.51.100.7/32",
  publicKey: KEYS.publicKey,
  instanceType: "t3.small",
};
const APP_BUILD = {
  context: "app-image",
  dockerfile: "app-image/Dockerfile",
  platform: "linux/amd64",
  args: {},
};

/** The program under mocks with exactly the config the acceptance test sets. */
function runAcceptanceStack(extra: Record<string, unknown> = {}): Promise<ProgramRun> {
  const values = acceptanceValues(readStackFile("staging"), SETTINGS);
  return runProgram({
    stack: STACK,
    configFrom: "staging",
    withoutDefaultSecrets: true,
    configOverrides: { ...values, ...extra },
    secretConfig: { "berth:sshPrivateKey": KEYS.privateKey },
  });
}

describe("AWS acceptance test: its stack, run through the program under mocks", function () {
  this.timeout(60_000);
  let run: ProgramRun;
  before(async () => {
    run = await runAcceptanceStack();
  });

  it("registers nothing AWS would reject (the preflight rules)", () => {
    assert.deepEqual(preflight(run.resources), []);
  });

  it("creates one t3.small host with a public IP, no bastion, no NAT, no log bucket", () => {
    const instances = run.ofType("aws:ec2/instance:Instance");
    assert.equal(instances.length, 1);
    assert.equal(instances[0]?.inputs.instanceType, "t3.small");
    assert.equal(instances[0]?.inputs.associatePublicIpAddress, true);
    assert.equal(run.ofType("aws:ec2/natGateway:NatGateway").length, 0);
    assert.equal(run.ofType("aws:s3/bucket:Bucket").length, 0);
  });

  it("serves plain HTTP: one listener on port 80, no certificate", () => {
    const listeners = run.ofType("aws:lb/listener:Listener");
    assert.deepEqual(
      listeners.map((l) => `${l.inputs.protocol}:${l.inputs.port}`),
      ["HTTP:80"],
    );
    assert.match(String(run.outputs.url), /^http:\/\/[^/]+$/, "the URL the test loads is http://");
  });

  it("puts the subnets in the region's zones", () => {
    const zones = run
      .ofType("aws:ec2/subnet:Subnet")
      .map((s) => s.inputs.availabilityZone)
      .sort();
    assert.deepEqual([...new Set(zones)], ["us-east-2a", "us-east-2b"]);
  });

  it("lets SSH in from the runner's CIDR only", () => {
    const ssh = securityGroupRules(run, "shop-api").filter(
      (r) => r.direction === "in" && r.ports === "22-22",
    );
    assert.deepEqual(ssh, [
      { group: "hosts", direction: "in", protocol: "tcp", ports: "22-22", peer: "198.51.100.7/32" },
    ]);
  });

  it("tags what it creates as ephemeral, with the run's stack name", () => {
    const host = run.ofType("aws:ec2/instance:Instance")[0];
    const tags = host?.inputs.tags as Record<string, string>;
    assert.equal(tags.ephemeral, "true");
    assert.equal(tags["acceptance-run"], STACK);
    assert.equal(tags["berth:stack"], STACK);
    const repositories = run.ofType("aws:ecr/repository:Repository").map((r) => r.inputs.name);
    assert.deepEqual(repositories.sort(), [`shop-api-${STACK}-app`, `shop-api-${STACK}-proxy`]);
  });

  it("builds both images on the first up", () => {
    assert.equal(run.ofType("docker:index/image:Image").length, 2);
  });

  it("rolls back without building: the first digests pinned in berth:release", async () => {
    const digest = `123456789012.dkr.ecr.us-east-2.amazonaws.com/shop-api-${STACK}-app@sha256:${"a".repeat(64)}`;
    const proxyDigest = `123456789012.dkr.ecr.us-east-2.amazonaws.com/shop-api-${STACK}-proxy@sha256:${"c".repeat(64)}`;
    const values = acceptanceValues(readStackFile("staging"), SETTINGS);
    const rollback = rollbackConfig(values, digest, proxyDigest);
    const release = JSON.parse(rollback["berth:release"]?.value ?? "{}") as unknown;
    const rolledBack = await runAcceptanceStack({ "berth:release": release });
    assert.equal(rolledBack.ofType("docker:index/image:Image").length, 0);
    assert.equal(rolledBack.outputs.digest, digest);
    assert.equal(rolledBack.outputs.proxyDigest, proxyDigest);
  });
});

describe("AWS acceptance test: the work dir (a throwaway copy of the project)", function () {
  this.timeout(30_000);
  let tmp: string;
  let work: WorkDir;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "berth-acc-test-"));
    work = createWorkDir(REPO_ROOT, tmp);
  });
  after(() => {
    work.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("holds the project (Pulumi.yaml, infra, app-image, nginx), without .git or build output", () => {
    for (const file of ["Pulumi.yaml", "infra/src/index.ts", "app-image/Dockerfile", "nginx"])
      assert.ok(existsSync(path.join(work.dir, file)), file);
    assert.equal(existsSync(path.join(work.dir, ".git")), false);
    assert.equal(
      readFileSync(path.join(work.dir, "Pulumi.yaml"), "utf8"),
      readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"),
    );
  });

  it("uses the checkout's installed packages through node_modules symlinks", () => {
    for (const dir of ["", "infra"]) {
      const link = path.join(work.dir, dir, "node_modules");
      assert.ok(lstatSync(link).isSymbolicLink(), link);
      assert.equal(readlinkSync(link), path.join(REPO_ROOT, dir, "node_modules"));
    }
    const fromCopy = require.resolve("@pulumi/aws", {
      paths: [path.join(work.dir, "infra", "src")],
    });
    assert.ok(existsSync(fromCopy));
  });

  it("builds the same image as the checkout until the second release changes its context", () => {
    const checkout = buildInputsHash(REPO_ROOT, APP_BUILD);
    assert.equal(buildInputsHash(work.dir, APP_BUILD), checkout);
    work.addSecondRelease(`${STACK}-2`);
    const second = readFileSync(path.join(work.dir, SECOND_RELEASE_FILE), "utf8");
    assert.match(second, new RegExp(`export const ACCEPTANCE_RELEASE = "${STACK}-2";`));
    assert.notEqual(buildInputsHash(work.dir, APP_BUILD), checkout, "a new ECR tag, a new image");
    assert.equal(
      existsSync(path.join(REPO_ROOT, SECOND_RELEASE_FILE)),
      false,
      "checkout untouched",
    );
  });

  it("goes away completely", () => {
    const other = createWorkDir(REPO_ROOT, tmp);
    other.remove();
    assert.equal(existsSync(other.dir), false);
    assert.ok(existsSync(path.join(REPO_ROOT, "infra", "node_modules")), "the links' targets stay");
  });
});
