import { isMap, parseDocument } from "yaml";
import { CliError } from "./pulumi";

const IMAGE_BY_DIGEST = /^[a-z0-9]+(?:[._\-/:][a-z0-9]+)*@sha256:[0-9a-f]{64}$/;

/** The release a stack runs: the app image and the proxy image, both by digest. */
export interface Release {
  digest: string;
  proxyDigest: string;
}

/** The release a stack's outputs say it runs (outputs `digest` and `proxyDigest`). */
export function releaseFromOutputs(stack: string, outputs: Record<string, unknown>): Release {
  const release = { digest: outputs.digest, proxyDigest: outputs.proxyDigest };
  for (const [key, value] of Object.entries(release)) {
    if (typeof value !== "string" || !IMAGE_BY_DIGEST.test(value))
      throw new CliError(
        `stack "${stack}" output ${key} is not an image by digest (got ${JSON.stringify(value) ?? "nothing"}): run pulumi up -s ${stack} first`,
      );
  }
  return release as Release;
}

/**
 * Writes a release into a stack config file's text (`berth:release.digest` and
 * `berth:release.proxyDigest`), keeping every other key and comment. Returns the new text and
 * what was there before.
 */
export function promoteConfigText(
  configText: string,
  release: Release,
): { text: string; previous: Partial<Release> } {
  const doc = parseDocument(configText);
  if (doc.errors.length > 0)
    throw new CliError(`the stack config file is not valid YAML: ${doc.errors[0]?.message}`);
  const current = doc.getIn(["config", "berth:release"]);
  if (current !== undefined && !isMap(current))
    throw new CliError(
      `berth:release in the stack config must be a map (it holds batchSize, digest, ...); fix it by hand first`,
    );
  const previous: Partial<Release> = {};
  const oldDigest = doc.getIn(["config", "berth:release", "digest"]);
  const oldProxy = doc.getIn(["config", "berth:release", "proxyDigest"]);
  if (typeof oldDigest === "string") previous.digest = oldDigest;
  if (typeof oldProxy === "string") previous.proxyDigest = oldProxy;
  doc.setIn(["config", "berth:release", "digest"], release.digest);
  doc.setIn(["config", "berth:release", "proxyDigest"], release.proxyDigest);
  // lineWidth 0: the yaml library would otherwise fold every long line of the file at 80 columns.
  return { text: doc.toString({ lineWidth: 0 }), previous };
}
