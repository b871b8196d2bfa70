/**
 * Promotion with two registries: staging's expires every image but its newest after each push,
 * prod runs copies in its own registry (same digest). Prod deploys, rolls back and pulls on a host
 * with an empty cache (a replaced instance) after staging's copies are gone.
 */
import * as assert from "node:assert/strict";
import { splitImageByDigest } from "../../infra/src/imageCopy";
import {
  APP,
  STACK,
  assertAllOn,
  convergedRelease,
  ctx,
  deploy,
  figure,
  hosts,
  onHost,
  rollback,
  servedDigests,
  specFor,
} from "./support/fleet";
import { copyIntoProd, manifestStatus, pushToStaging } from "./support/registries";

const digestOf = (image: string) => splitImageByDigest(image).digest;

/** Each host's proxy container id: a new one means nginx was replaced. */
async function proxyContainerIds(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < hosts().length; i++) {
    const out = await onHost(i, `sudo -n docker inspect --format '{{.Id}}' ${APP}-${STACK}-proxy`);
    assert.equal(out.code, 0, out.stderr);
    ids.push(out.stdout.trim());
  }
  return ids;
}

describe("fleet: promotion into prod's own registry", () => {
  it("prod deploys and rolls back on copies while staging has expired the originals", async () => {
    // Every host serving a release with the build registry's proxy (a file run alone starts empty).
    await convergedRelease("promote-base");
    const proxy = await copyIntoProd(ctx().proxy, "proxy");
    const prodSpec = (image: string) => ({ ...specFor(image), proxyImage: proxy.image });

    const a = await pushToStaging("promote-a");
    const prodA = await copyIntoProd(a, "app");
    assert.equal(digestOf(prodA.image), digestOf(a), "the copy keeps the digest");
    assert.ok(prodA.image.startsWith(`${ctx().fleet.prodRegistry.server}/`));
    const again = await copyIntoProd(a, "app");
    assert.equal(again.image, prodA.image, "copying again changes nothing");
    figure("copy into prod (first, again)", `${prodA.ms} ms, ${again.ms} ms`);
    const proxiesBefore = await proxyContainerIds();
    let result = await deploy(prodSpec(prodA.image));
    assert.equal(result.ok, true, result.error ?? "");
    await assertAllOn(prodA.image);
    // prod's copy of the proxy is the same image under another name: nginx is not restarted (a
    // restart refuses connections for a moment; three at once, in a rollback, failed requests).
    assert.deepEqual(await proxyContainerIds(), proxiesBefore, "the proxy was replaced by itself");

    const b = await pushToStaging("promote-b");
    assert.equal(await manifestStatus(a, "staging"), 404, "staging expired A");
    const prodB = await copyIntoProd(b, "app");
    result = await deploy(prodSpec(prodB.image));
    assert.equal(result.ok, true, result.error ?? "");
    await assertAllOn(prodB.image);

    await pushToStaging("promote-c");
    for (const image of [a, b]) assert.equal(await manifestStatus(image, "staging"), 404);
    for (const image of [prodA.image, prodB.image])
      assert.equal(await manifestStatus(image, "prod"), 200, `prod lost ${image}`);

    // Rollback: back to A on every host, staging's A long gone.
    const rolledBack = await rollback();
    assert.equal(rolledBack.ok, true, rolledBack.error ?? "");
    await assertAllOn(prodA.image);
    assert.deepEqual([...(await servedDigests())], [prodA.image]);

    // A replaced host has no cache: B must come from prod's registry. Staging's B cannot.
    await onHost(0, `sudo -n docker image rm ${prodB.image}`);
    const fromStaging = await onHost(0, `sudo -n docker pull ${b}`);
    assert.notEqual(fromStaging.code, 0, "staging's B should be gone");
    assert.match(fromStaging.stderr, /manifest unknown|not found/i);
    const started = Date.now();
    result = await deploy(prodSpec(prodB.image));
    assert.equal(result.ok, true, result.error ?? "");
    await assertAllOn(prodB.image);
    figure("roll forward to B, host-1 pulling from prod", `${Date.now() - started} ms`);
    assert.equal(hosts().length, 3);
  });
});
