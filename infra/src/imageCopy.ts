/**
 * Copying an image by digest into a stack's own repository, under a release tag: the command line
 * and environment of `infra/tools/copy-image` (skopeo), shared by the Pulumi program (a
 * `command.local.Command`) and the local fleet's tests, so both run the one implementation.
 */

/** What the program and the fleet run, from the project root. */
export const COPY_IMAGE_COMMAND = "bash infra/tools/copy-image";

/** Tags that mark an image some release of the stack ran; the lifecycle rule keeps them. */
export const RELEASE_TAG_PREFIX = "release-";

const IMAGE_BY_DIGEST = /^([^@]+)@(sha256:[0-9a-f]{64})$/;

/** `repo@sha256:...` -> { repository, digest }; throws, naming the value, on anything else. */
export function splitImageByDigest(image: string): { repository: string; digest: string } {
  const match = IMAGE_BY_DIGEST.exec(image);
  if (!match) throw new Error(`"${image}" is not an image by digest (REPOSITORY@sha256:<64 hex>)`);
  return { repository: match[1] as string, digest: match[2] as string };
}

/** The release tag of a digest: `release-<64 hex>` (72 characters; ECR allows 128). */
export function releaseTag(digest: string): string {
  return `${RELEASE_TAG_PREFIX}${digest.replace(/^sha256:/, "")}`;
}

/** A registry login for the copy. */
export interface RegistryCredential {
  /** The registry host as the image references name it, e.g. 123.dkr.ecr.eu-west-1.amazonaws.com. */
  server: string;
  username: string;
  password: string;
}

/** A containers-auth.json document (skopeo's --authfile) with these logins. */
export function authFile(credentials: RegistryCredential[]): string {
  const auths: Record<string, { auth: string }> = {};
  for (const c of credentials)
    auths[c.server] = { auth: Buffer.from(`${c.username}:${c.password}`).toString("base64") };
  return JSON.stringify({ auths });
}

export interface CopyRequest {
  /** The image to copy, `repo@sha256:...`. */
  source: string;
  /** The repository it goes to, without tag or digest. */
  destinationRepository: string;
  /** Logins for the source and destination registries (none for a public source). */
  credentials: RegistryCredential[];
  /** false only for the local fleet's plain-HTTP registries. */
  tlsVerify?: boolean;
}

/** The environment of {@link COPY_IMAGE_COMMAND} for one copy (BERTH_COPY_AUTH is a secret). */
export function copyImageEnvironment(request: CopyRequest): Record<string, string> {
  const { digest } = splitImageByDigest(request.source);
  return {
    BERTH_COPY_SOURCE: request.source,
    BERTH_COPY_DESTINATION: `${request.destinationRepository}:${releaseTag(digest)}`,
    BERTH_COPY_AUTH: authFile(request.credentials),
    BERTH_COPY_TLS_VERIFY: String(request.tlsVerify ?? true),
  };
}

/** Where a copy lands: the destination repository with the source's digest. */
export function copiedImage(request: Pick<CopyRequest, "source" | "destinationRepository">) {
  return `${request.destinationRepository}@${splitImageByDigest(request.source).digest}`;
}

/**
 * The copy's result from the command's output (its last line), checked against what it must be:
 * a copy that changed the digest would deploy an image nobody verified.
 */
export function copyResult(stdout: string, expected: string): string {
  const last = stdout.trim().split("\n").pop()?.trim() ?? "";
  if (last !== expected)
    throw new Error(`the image copy printed "${last}", expected ${expected}: the digest changed`);
  return expected;
}
