import assert from "node:assert/strict";
import { configHash } from "../../infra/src/agent/invocation";
import { sha256Hex } from "../../infra/src/files";
import { plainTextOccurrences } from "../support/pulumi/inspect";
import { MOCK_ECR_PASSWORD } from "../support/pulumi/mocks";
import {
  configHashKeyOf,
  ProgramRun,
  RegisteredResource,
  runProgram,
  runStackOnce,
  TEST_DATABASE_URL,
  testSshPrivateKey,
} from "../support/pulumi/runProgram";

const COMMAND = "command:remote:Command";
const PROMOTED = {
  app: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-staging-app@sha256:${"ab".repeat(32)}`,
  proxy: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-staging-proxy@sha256:${"cd".repeat(32)}`,
};
/** Where prod runs them from: its own repositories (the copy keeps the digest). */
const PROMOTED_IN_PROD = {
  app: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-prod-app@sha256:${"ab".repeat(32)}`,
  proxy: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-prod-proxy@sha256:${"cd".repeat(32)}`,
};

const deploys = (run: ProgramRun) =>
  run
    .ofType(COMMAND)
    .filter((c) => !c.name.endsWith("-agent"))
    .sort((a, b) => a.name.localeCompare(b.name));
const installs = (run: ProgramRun) =>
  run
    .ofType(COMMAND)
    .filter((c) => c.name.endsWith("-agent"))
    .sort((a, b) => a.name.localeCompare(b.name));
/** The agent a run shipped (read from infra/host/berth-agent when the program ran). */
const agentShaOf = (run: ProgramRun) => sha256Hex(String(installs(run)[0]?.inputs.stdin));
const stdinOf = (c: RegisteredResource) =>
  JSON.parse(String(c.inputs.stdin)) as {
    spec: Parameters<typeof configHash>[0];
    registry: unknown;
  };
const dependsOn = (c: RegisteredResource, other: RegisteredResource) =>
  c.dependencies.includes(other.urn);
const userDataOf = (run: ProgramRun) =>
  run
    .ofType("aws:ec2/instance:Instance")
    .filter((i) => i.name.includes("-hosts-"))
    .map((i) => String(i.inputs.userData));

describe("infra release: the per-host deploy commands", () => {
  let staging: ProgramRun;
  let prod: ProgramRun;
  before(async () => {
    staging = await runStackOnce("staging");
    prod = await runStackOnce("prod");
  });

  it("runs berth-agent deploy with the image digest and the config hash of the spec on stdin", () => {
    for (const run of [staging, prod]) {
      for (const deploy of deploys(run)) {
        const { spec } = stdinOf(deploy);
        assert.equal(spec.image, run.outputs.digest);
        assert.equal(spec.proxyImage, run.outputs.proxyDigest);
        const first = deploy === deploys(run)[0];
        assert.equal(
          deploy.inputs.create,
          `sudo -n /usr/local/bin/berth-agent deploy --app shop-api --stack ${run.stack} --image ${String(run.outputs.digest)} --config-hash ${configHash(spec, configHashKeyOf(run))}${first ? "" : " --skip-release-command"}`,
        );
        assert.equal(
          deploy.inputs.update,
          deploy.inputs.create,
          "a trigger change updates in place",
        );
        assert.equal(deploy.inputs.delete, undefined, "no delete: the agent owns old containers");
      }
    }
  });

  it("triggers on exactly the digest, the config hash and the agent's hash", () => {
    for (const run of [staging, prod]) {
      for (const deploy of deploys(run)) {
        assert.deepEqual(deploy.inputs.triggers, [
          run.outputs.digest,
          configHash(stdinOf(deploy).spec, configHashKeyOf(run)),
          agentShaOf(run),
        ]);
      }
    }
  });

  it("creates the hosts without waiting for the image builds", () => {
    for (const host of prod.ofType("aws:ec2/instance:Instance"))
      assert.ok(
        !host.dependencies.some((urn) => urn.includes("docker:index/image:Image")),
        host.name,
      );
  });

  it("keeps triggers and commands identical between two identical runs", async () => {
    const again = await runProgram({ stack: "staging" });
    assert.deepEqual(
      deploys(again).map((d) => [d.inputs.triggers, d.inputs.create, d.inputs.stdin]),
      deploys(staging).map((d) => [d.inputs.triggers, d.inputs.create, d.inputs.stdin]),
    );
    assert.deepEqual(userDataOf(again), userDataOf(staging));
  });

  it("does not re-run a release when only tags change", async () => {
    const retagged = await runProgram({
      stack: "staging",
      configOverrides: {
        "berth:tags": { team: "payments", environment: "staging", owner: "alice" },
      },
    });
    const host = (run: ProgramRun) => run.get("aws:ec2/instance:Instance", "shop-api-hosts-host-1");
    assert.equal(
      (host(retagged).inputs.tags as Record<string, string>).team,
      "payments",
      "the tags did change",
    );
    assert.deepEqual(
      deploys(retagged).map((d) => d.inputs.triggers),
      deploys(staging).map((d) => d.inputs.triggers),
    );
    assert.deepEqual(
      installs(retagged).map((d) => d.inputs.triggers),
      installs(staging).map((d) => d.inputs.triggers),
    );
  });

  it("rolls prod one host at a time: host-2 waits for host-1's release", () => {
    const [one, two] = deploys(prod);
    const [installOne, installTwo] = installs(prod);
    assert.ok(one && two && installOne && installTwo);
    assert.ok(dependsOn(two, one), "host-2 release after host-1 release");
    assert.ok(dependsOn(installTwo, one), "host-2 is not even touched before host-1 succeeded");
    assert.ok(!dependsOn(one, two) && !dependsOn(installOne, two));
    assert.ok(
      dependsOn(one, installOne) && dependsOn(two, installTwo),
      "agent first, then the release",
    );
  });

  it("rolls batches of the configured size, each after the whole previous batch", async () => {
    const run = await runProgram({
      stack: "prod",
      configOverrides: {
        "berth:hosts": { count: 5, instanceType: "t3.medium" },
        "berth:release": { batchSize: 2 },
      },
    });
    const byHost = new Map(deploys(run).map((d) => [d.name.replace("shop-api-release-", ""), d]));
    const batches = [["host-1", "host-2"], ["host-3", "host-4"], ["host-5"]];
    batches.forEach((batch, n) => {
      for (const host of batch) {
        const deploy = byHost.get(host)!;
        for (const earlier of batches[n - 1] ?? [])
          assert.ok(dependsOn(deploy, byHost.get(earlier)!), `${host} after ${earlier}`);
        for (const peer of batch.filter((h) => h !== host))
          assert.ok(!dependsOn(deploy, byHost.get(peer)!), `${host} alongside ${peer}`);
      }
    });
    const zones = (run.outputs.hosts as { zone: string }[]).map((h) => h.zone);
    assert.deepEqual(zones, ["eu-west-1a", "eu-west-1b", "eu-west-1a", "eu-west-1b", "eu-west-1a"]);
  });

  it("with a release command, sends the first host alone and lets only it run the command", async () => {
    const run = await runProgram({
      stack: "prod",
      configOverrides: {
        "berth:hosts": { count: 5, instanceType: "t3.medium" },
        "berth:release": { batchSize: 2, command: ["node", "dist/migrate.js"] },
      },
    });
    const byHost = new Map(deploys(run).map((d) => [d.name.replace("shop-api-release-", ""), d]));
    const host = (name: string) => byHost.get(name)!;
    assert.deepEqual(stdinOf(host("host-1")).spec.releaseCommand, ["node", "dist/migrate.js"]);
    assert.doesNotMatch(String(host("host-1").inputs.create), /--skip-release-command/);
    for (const name of ["host-2", "host-3", "host-4", "host-5"])
      assert.match(String(host(name).inputs.create), / --skip-release-command$/, name);
    for (const name of ["host-2", "host-3"])
      assert.ok(dependsOn(host(name), host("host-1")), `${name} after host-1`);
    assert.ok(!dependsOn(host("host-3"), host("host-2")), "host-2 and host-3 roll together");
    for (const name of ["host-4", "host-5"])
      for (const earlier of ["host-2", "host-3"])
        assert.ok(dependsOn(host(name), host(earlier)), `${name} after ${earlier}`);
    assert.deepEqual(
      deploys(run).map((d) => d.inputs.triggers),
      deploys(run).map(() => deploys(run)[0]!.inputs.triggers),
      "skipping the command is not part of the release identity",
    );
  });

  it("connects as ec2-user, waits for a booting host, and goes through the bastion in prod", () => {
    const connection = (c: RegisteredResource) => c.inputs.connection as Record<string, unknown>;
    const hostsOut = (run: ProgramRun) =>
      run.outputs.hosts as { publicIp: string; privateIp: string }[];
    for (const run of [staging, prod]) {
      deploys(run).forEach((deploy, i) => {
        const c = connection(deploy);
        assert.equal(c.user, "ec2-user");
        assert.equal(c.dialErrorLimit, -1);
        assert.equal(c.perDialTimeout, 15);
        assert.equal(c.privateKey, testSshPrivateKey());
        assert.equal(
          c.host,
          run.stack === "prod" ? hostsOut(run)[i]!.privateIp : hostsOut(run)[i]!.publicIp,
        );
        assert.deepEqual(deploy.customTimeouts, { create: "20m", update: "20m", delete: "" });
      });
    }
    assert.equal(connection(deploys(staging)[0]!).proxy, undefined);
    const proxy = connection(deploys(prod)[0]!).proxy as Record<string, unknown>;
    assert.equal(proxy.host, prod.outputs.bastion);
    assert.equal(proxy.user, "ec2-user");
  });

  // Which key each connection pins (generated, or berth:ssh.hostKeys): infra-host-keys.test.ts.

  it("installs the agent it hashes, waiting for cloud-init first", () => {
    for (const install of installs(prod)) {
      const script = String(install.inputs.stdin);
      assert.match(
        script,
        /^#!\/usr\/bin\/env bash\n# berth-agent/,
        "the agent from infra/host/berth-agent",
      );
      assert.deepEqual(install.inputs.triggers, [sha256Hex(script)]);
      assert.match(
        String(install.inputs.create),
        /^set -eu\nif command -v cloud-init .*\n {2}rc=0; cloud-init status --wait/,
      );
      assert.ok(String(install.inputs.create).includes(sha256Hex(script)));
    }
  });

  it("passes the environment only on stdin, as a Pulumi secret, with logging off", () => {
    for (const deploy of deploys(prod)) {
      assert.ok(deploy.secretInputPaths.includes("stdin"));
      assert.ok(deploy.secretInputPaths.includes("connection"));
      for (const readable of ["create", "update", "triggers"])
        assert.ok(
          !deploy.secretInputPaths.some((p) => p.startsWith(readable)),
          `${readable} stays readable in diffs`,
        );
      assert.equal(deploy.inputs.logging, "none");
      assert.ok(deploy.additionalSecretOutputs.includes("stderr"));
      assert.equal(stdinOf(deploy).spec.env.DATABASE_URL, TEST_DATABASE_URL);
      assert.deepEqual(stdinOf(deploy).registry, {
        server: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        method: "helper",
      });
    }
  });

  it("shows no secret in plain text anywhere: inputs, triggers, user-data, outputs", () => {
    const secrets = {
      "the secret env value": TEST_DATABASE_URL,
      "the SSH private key": testSshPrivateKey().split("\n")[1]!,
      "the ECR password": MOCK_ECR_PASSWORD,
    };
    for (const run of [staging, prod]) {
      for (const [what, value] of Object.entries(secrets))
        assert.deepEqual(plainTextOccurrences(run, value), [], `${run.stack}: ${what}`);
      for (const userData of userDataOf(run)) {
        assert.doesNotMatch(userData, /encoding:/, "user-data carries no packed file to hide in");
        for (const value of Object.values(secrets)) assert.ok(!userData.includes(value));
      }
      assert.deepEqual(run.secretOutputPaths, [], "no output needs to be secret");
    }
  });

  it("pushes with the ECR token as a secret and never hands it to a host", () => {
    const image = prod.get("docker:index/image:Image", "shop-api-app-image");
    assert.ok(
      image.secretInputPaths.includes("registry.password") ||
        image.secretInputPaths.includes("registry"),
    );
    assert.equal((image.inputs.registry as { password: string }).password, MOCK_ECR_PASSWORD);
    for (const deploy of deploys(prod))
      assert.ok(!String(deploy.inputs.stdin).includes(MOCK_ECR_PASSWORD));
  });

  describe("digest in config (promotion, rollback)", () => {
    let promoted: ProgramRun;
    before(async () => {
      promoted = await runProgram({
        stack: "prod",
        configOverrides: {
          "berth:release": { batchSize: 1, digest: PROMOTED.app, proxyDigest: PROMOTED.proxy },
        },
      });
    });

    it("builds no image; its one registry token (same account) is for the copy", () => {
      assert.equal(promoted.ofType("docker:index/image:Image").length, 0);
      const tokens = promoted.calls.filter((c) =>
        c.token.startsWith("aws:ecr/getAuthorizationToken"),
      );
      assert.ok(tokens.length > 0);
      for (const call of tokens) assert.equal(call.inputs.registryId, "123456789012");
      assert.equal(
        promoted.ofType("aws:ecr/repository:Repository").length,
        2,
        "the repositories stay",
      );
    });

    it("deploys exactly the given digests, from its own repositories, and the triggers follow them", () => {
      assert.equal(promoted.outputs.digest, PROMOTED_IN_PROD.app);
      assert.equal(promoted.outputs.proxyDigest, PROMOTED_IN_PROD.proxy);
      for (const deploy of deploys(promoted)) {
        const { spec } = stdinOf(deploy);
        assert.equal(spec.image, PROMOTED_IN_PROD.app);
        assert.equal(spec.proxyImage, PROMOTED_IN_PROD.proxy);
        assert.equal((deploy.inputs.triggers as string[])[0], PROMOTED_IN_PROD.app);
        assert.ok(String(deploy.inputs.create).includes(`--image ${PROMOTED_IN_PROD.app} `));
      }
      assert.notDeepEqual(
        deploys(promoted).map((d) => d.inputs.triggers),
        deploys(prod).map((d) => d.inputs.triggers),
      );
    });

    it("lets the hosts pull from the promoted digest's registry through the credential helper", () => {
      for (const userData of userDataOf(promoted))
        assert.ok(
          userData.includes(
            JSON.stringify(
              `{"credHelpers":{"123456789012.dkr.ecr.eu-west-1.amazonaws.com":"ecr-login"}}`,
            ),
          ),
        );
    });
  });
});
