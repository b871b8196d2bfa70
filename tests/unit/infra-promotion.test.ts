/**
 * Promotion: prod runs the digest staging verified, copied into prod's own repository with the
 * digest unchanged (infra/tools/copy-image), so staging's lifecycle rule cannot take it away and
 * the hosts need no access to staging's account. Every release's image, built or promoted, gets
 * a release tag in the stack's repository, which the lifecycle rule keeps.
 */
import assert from "node:assert/strict";
import { COPY_IMAGE_COMMAND, releaseTag } from "../../infra/src/imageCopy";
import {
  ProgramRun,
  RegisteredResource,
  runProgram,
  runStackOnce,
} from "../support/pulumi/runProgram";

const STAGING = "210987654321.dkr.ecr.eu-west-1.amazonaws.com";
const DIGESTS = { app: `sha256:${"ab".repeat(32)}`, proxy: `sha256:${"cd".repeat(32)}` };
const PROMOTED = {
  digest: `${STAGING}/shop-api-staging-app@${DIGESTS.app}`,
  proxyDigest: `${STAGING}/shop-api-staging-proxy@${DIGESTS.proxy}`,
};
const PROD_REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api-prod";

const promotedProd = () =>
  runProgram({
    stack: "prod",
    configOverrides: { "berth:release": { batchSize: 1, ...PROMOTED } },
  });

const copies = (run: ProgramRun) => run.ofType("command:local:Command");
const env = (r: RegisteredResource) => r.inputs.environment as Record<string, string>;

describe("promotion copies the release into the stack's own repository", () => {
  it("prod's hosts run prod's repository at staging's exact digest", async () => {
    const run = await promotedProd();
    assert.equal(run.outputs.digest, `${PROD_REPO}-app@${DIGESTS.app}`);
    assert.equal(run.outputs.proxyDigest, `${PROD_REPO}-proxy@${DIGESTS.proxy}`);
    const deploys = run.ofType("command:remote:Command").filter((c) => !c.name.endsWith("-agent"));
    for (const deploy of deploys) {
      assert.match(String(deploy.inputs.create), new RegExp(`${PROD_REPO}-app@${DIGESTS.app}`));
      assert.doesNotMatch(String(deploy.inputs.create), new RegExp(STAGING));
    }
  });

  it("one copy per image, from staging's reference to prod's repository under a release tag", async () => {
    const run = await promotedProd();
    const byDestination = new Map(copies(run).map((c) => [env(c).BERTH_COPY_DESTINATION, c]));
    for (const [role, source, digest] of [
      ["app", PROMOTED.digest, DIGESTS.app],
      ["proxy", PROMOTED.proxyDigest, DIGESTS.proxy],
    ] as const) {
      const copy = byDestination.get(`${PROD_REPO}-${role}:${releaseTag(digest)}`);
      assert.ok(copy, `no copy into ${PROD_REPO}-${role}`);
      assert.equal(copy.inputs.create, COPY_IMAGE_COMMAND);
      assert.equal(env(copy).BERTH_COPY_SOURCE, source);
      assert.equal(env(copy).BERTH_COPY_TLS_VERIFY, "true");
      assert.ok(copy.secretInputPaths.includes("environment"), "the registry logins are secret");
      const auths = Object.keys(
        (JSON.parse(env(copy).BERTH_COPY_AUTH ?? "{}") as { auths: object }).auths,
      ).sort();
      assert.deepEqual(auths, [
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "210987654321.dkr.ecr.eu-west-1.amazonaws.com",
      ]);
    }
  });

  it("every host's deploy waits for the copies", async () => {
    const run = await promotedProd();
    const copyUrns = copies(run).map((c) => c.urn);
    assert.equal(copyUrns.length, 2, "a copy for the app and one for the proxy");
    const deploys = run.ofType("command:remote:Command").filter((c) => !c.name.endsWith("-agent"));
    assert.ok(deploys.length > 0);
    for (const deploy of deploys)
      for (const urn of copyUrns)
        assert.ok(deploy.dependencies.includes(urn), `${deploy.name} may start before ${urn}`);
  });

  it("a built release is release-tagged in place (same repository, same digest)", async () => {
    const run = await runStackOnce("prod");
    const digest = String(run.outputs.digest);
    assert.match(digest, new RegExp(`^${PROD_REPO}-app@sha256:[0-9a-f]{64}$`));
    const copy = copies(run).find((c) => env(c).BERTH_COPY_SOURCE === digest);
    assert.ok(copy, "the built image is not release-tagged");
    assert.equal(
      env(copy).BERTH_COPY_DESTINATION,
      `${PROD_REPO}-app:${releaseTag(digest.split("@")[1] ?? "")}`,
    );
  });

  it("refuses a promoted ECR image from another region, naming the key", async () => {
    await assert.rejects(
      runProgram({
        stack: "prod",
        configOverrides: {
          "berth:release": {
            batchSize: 1,
            digest: PROMOTED.digest.replace("eu-west-1", "us-east-1"),
            proxyDigest: PROMOTED.proxyDigest,
          },
        },
      }),
      /berth:release.digest is in us-east-1, but this stack deploys to eu-west-1/,
    );
  });
});
