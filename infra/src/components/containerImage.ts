import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { buildInputsHash, buildTag } from "../buildContext";
import { REPO_ROOT } from "../files";
import { ecrRepositoryArn } from "../hostPolicy";
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
  /**
   * Deploy this image (`repo@sha256:...`) and build nothing: promotion (prod runs the digest
   * staging verified) and rollback (an older digest).
   */
  digest?: string;
}

/** The host part of an image reference: `123.dkr.ecr.eu-west-1.amazonaws.com/x@sha256:..` -> the registry. */
export function registryHostOf(imageReference: string): string {
  return imageReference.split("/")[0] ?? imageReference;
}

/** The lifecycle policy document that keeps the newest `keep` images. */
export function lifecyclePolicy(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the newest ${keep} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
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
  /** The ECR repository the hosts pull this image from (undefined for a non-ECR digest). */
  public readonly pullRepositoryArn: pulumi.Output<string | undefined>;

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
    // A promoted or rolled-back digest older than the newest `keepImages` may be expired here;
    // the hosts keep their cached copies, but a new host could not pull it: keep the count generous.
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: repository.name, policy: lifecyclePolicy(args.keepImages) },
      parent,
    );
    this.repositoryUrl = repository.repositoryUrl;

    if (args.digest) {
      const digest = args.digest;
      this.built = false;
      this.imageByDigest = pulumi.output(digest);
      this.pullRepositoryArn = aws
        .getPartitionOutput({}, parent)
        .partition.apply((partition) => ecrRepositoryArn(digest, partition));
      this.registryHost = pulumi.output(registryHostOf(args.digest));
    } else {
      this.built = true;
      this.pullRepositoryArn = repository.arn;
      this.registryHost = repository.repositoryUrl.apply(registryHostOf);
      const token = aws.ecr.getAuthorizationTokenOutput(
        { registryId: repository.registryId },
        parent,
      );
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
            username: token.userName,
            // The token changes every 12 hours; it is only the push credential, never a trigger.
            password: pulumi.secret(token.password),
          },
        },
        parent,
      );
      this.imageByDigest = image.repoDigest;
    }

    this.registerOutputs({
      repositoryUrl: this.repositoryUrl,
      registryHost: this.registryHost,
      imageByDigest: this.imageByDigest,
    });
  }
}
