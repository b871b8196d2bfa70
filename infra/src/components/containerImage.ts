import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { buildInputsHash, buildTag } from "../buildContext";
import { REPO_ROOT } from "../files";
import {
  COPY_IMAGE_COMMAND,
  RELEASE_TAG_PREFIX,
  RegistryCredential,
  copiedImage,
  copyImageEnvironment,
  copyResult,
} from "../imageCopy";
import { ecrImageRegistry } from "../hostPolicy";
import { ConfigError } from "../config";
import { tagsFor } from "../naming";

export interface ContainerImageArgs {
  /** App name: the repository is `<app>-<stack>-<role>`. */
  app: string;
  /** Stack name: each stack owns its repositories (two stacks may share an account). */
  stack: string;
  /** The stack's own tags. */
  tags: Record<string, string>;
  /** What the image is: "app" or "proxy". */
  role: string;
  /** The build context, relative to the project root (`app-image`, with its Dockerfile). Not read when `digest` is set. */
  context: string;
  /** Docker platform matching the hosts, e.g. linux/amd64. */
  platform: string;
  /** How many images the lifecycle rule keeps; older ones expire. */
  keepImages: number;
  /** Releases each host keeps for rollback: the lifecycle rule never expires their images. */
  keepReleases: number;
  /** The stack's region: a promoted ECR image must come from it (ECR logins are regional). */
  region: string;
  /**
   * Deploy this image (`repo@sha256:...`) and build nothing: promotion (prod runs the digest
   * staging verified, copied into this stack's repository) and rollback (an older digest).
   */
  digest?: string;
}

/** The host part of an image reference: `123.dkr.ecr.eu-west-1.amazonaws.com/x@sha256:..` -> the registry. */
export function registryHostOf(imageReference: string): string {
  return imageReference.split("/")[0] ?? imageReference;
}

/**
 * The lifecycle policy. ECR evaluates rules by priority; an image that matches the tag selection of
 * a rule is never expired by a rule of lower priority, and counts rank images by push time. Rule 1
 * selects the images a release ran (tagged `release-...` by the copy) and keeps the newest
 * max(keepImages, keepReleases + 1): every image a host runs or can roll back to, plus the one
 * being rolled out. Rule 2 (`any`, last, as ECR requires) expires the rest beyond `keepImages`:
 * builds no release ran.
 */
export function lifecyclePolicy(keepImages: number, keepReleases: number): string {
  const keepReleased = Math.max(keepImages, keepReleases + 1);
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the newest ${keepReleased} images a release ran`,
        selection: {
          tagStatus: "tagged",
          tagPrefixList: [RELEASE_TAG_PREFIX],
          countType: "imageCountMoreThan",
          countNumber: keepReleased,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `keep the newest ${keepImages} other images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepImages },
        action: { type: "expire" },
      },
    ],
  });
}

/** A login to an ECR registry from its authorization token (valid 12 hours). */
function ecrLogin(
  registryId: pulumi.Input<string>,
  server: pulumi.Input<string>,
  opts: pulumi.InvokeOptions,
): pulumi.Output<RegistryCredential> {
  const token = aws.ecr.getAuthorizationTokenOutput({ registryId }, opts);
  return pulumi
    .all([server, token.userName, token.password])
    .apply(([s, username, password]) => ({ server: s, username, password }));
}

/**
 * An ECR repository and, unless a digest is given, the image built from `context` and pushed to
 * it. `imageByDigest` (`repo@sha256:...`) is the image's identity everywhere downstream.
 */
export class ContainerImage extends pulumi.ComponentResource {
  public readonly repositoryUrl: pulumi.Output<string>;
  /** `repo@sha256:<64 hex>`: what the hosts pull. */
  public readonly imageByDigest: pulumi.Output<string>;
  /** The registry the hosts pull this image from (known before any build finishes). */
  public readonly registryHost: pulumi.Output<string>;
  /** Whether this run builds and pushes (false in digest mode). */
  public readonly built: boolean;
  /** The ECR repository the hosts pull this image from: the stack's own. */
  public readonly pullRepositoryArn: pulumi.Output<string>;

  constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:image:ContainerImage", name, {}, opts);
    const parent = { parent: this };
    const repositoryName = `${args.app}-${args.stack}-${args.role}`;

    const repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: repositoryName,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        // Keep the images when the stack goes away unless someone empties the repository on purpose.
        forceDelete: false,
        tags: tagsFor(args, repositoryName),
      },
      parent,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: repository.name, policy: lifecyclePolicy(args.keepImages, args.keepReleases) },
      parent,
    );
    this.repositoryUrl = repository.repositoryUrl;
    // Known before any build or copy finishes, so the hosts boot meanwhile.
    this.registryHost = repository.repositoryUrl.apply(registryHostOf);
    // The hosts pull from this repository only, whatever the release came from.
    this.pullRepositoryArn = repository.arn;
    const ownLogin = ecrLogin(repository.registryId, this.registryHost, parent);

    let source: pulumi.Output<string>;
    let sourceLogins: pulumi.Output<RegistryCredential[]>;
    if (args.digest) {
      this.built = false;
      source = pulumi.output(args.digest);
      const foreign = ecrImageRegistry(args.digest);
      if (foreign && foreign.region !== args.region)
        throw new ConfigError(
          `berth:release.${args.role === "app" ? "digest" : "proxyDigest"} is in ${foreign.region}, but this stack deploys to ${args.region}: promote within one region (got ${args.digest})`,
        );
      // A promoted image from another ECR registry (staging's account) is read with that
      // registry's token; the deploying identity needs pull rights on the source repository.
      sourceLogins = foreign
        ? pulumi
            .all([
              repository.registryId,
              ecrLogin(foreign.account, registryHostOf(args.digest), parent),
            ])
            .apply(([own, login]) => (own === foreign.account ? [] : [login]))
        : pulumi.output([]);
    } else {
      this.built = true;
      const build = {
        context: args.context,
        dockerfile: `${args.context}/Dockerfile`,
        platform: args.platform,
        args: {},
      };
      const tag = buildTag(buildInputsHash(REPO_ROOT, build));
      const image = new docker.Image(
        `${name}-image`,
        {
          imageName: pulumi.interpolate`${repository.repositoryUrl}:${tag}`,
          // Relative paths: the provider compares them across runs, and a CI checkout must not
          // look like a new build of a laptop's (ECR would refuse the existing tag).
          build,
          registry: {
            server: this.registryHost,
            username: ownLogin.apply((l) => l.username),
            // The token changes every 12 hours; it is only the push credential, never a trigger.
            password: pulumi.secret(ownLogin.apply((l) => l.password)),
          },
        },
        parent,
      );
      source = image.repoDigest;
      sourceLogins = pulumi.output([]);
    }

    // Every release's image gets a release tag in this repository (for a promoted one, by copying
    // it here with its digest unchanged), so the lifecycle rule above keeps it.
    // The source and destination carry no secret; the logins do (only in the environment).
    const target = pulumi
      .all([source, repository.repositoryUrl])
      .apply(([image, destinationRepository]) => ({ source: image, destinationRepository }));
    const environment = pulumi
      .all([target, ownLogin, sourceLogins])
      .apply(([t, own, others]) => copyImageEnvironment({ ...t, credentials: [own, ...others] }));
    const copy = new command.local.Command(
      `${name}-release-tag`,
      {
        create: COPY_IMAGE_COMMAND,
        environment: pulumi.secret(environment),
        // Re-run (it is idempotent) when the image changes; the 12-hour token is not a trigger.
        triggers: [target.apply(copiedImage)],
        addPreviousOutputInEnv: false,
      },
      parent,
    );
    this.imageByDigest = pulumi
      .all([pulumi.unsecret(copy.stdout), target])
      .apply(([stdout, t]) => copyResult(stdout, copiedImage(t)));

    this.registerOutputs({
      repositoryUrl: this.repositoryUrl,
      registryHost: this.registryHost,
      imageByDigest: this.imageByDigest,
    });
  }
}
