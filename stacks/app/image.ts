import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsEcrAuthorizationToken } from "@cdktf/provider-aws/lib/data-aws-ecr-authorization-token";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Image } from "@cdktf/provider-docker/lib/image";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { RegistryImage } from "@cdktf/provider-docker/lib/registry-image";

export interface AppImageProps {
  /** ECR repository name. */
  readonly repositoryName: string;
  /** @default 10 */
  readonly keepImages?: number;
  /**
   * Image to run instead of building one.
   * @default - `context` is built and pushed, tagged with `contentHash`
   */
  readonly prebuiltUri?: string;
  /** Docker build context, relative to the stack's folder in cdktf.out/stacks/ (or absolute). */
  readonly context: string;
  /** Tag for the built image: a hash of the build context. */
  readonly contentHash: string;
}

/**
 * The ECR repository, and the image the service runs: built from the app's
 * source and pushed with the Docker provider, or a prebuilt URI.
 */
export class AppImage extends Construct {
  readonly repository: EcrRepository;
  /** What the task definition runs: `<repo>@sha256:<digest>` after a push, or the prebuilt URI. */
  readonly uri: string;

  constructor(scope: Construct, id: string, props: AppImageProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, "repository", {
      name: props.repositoryName,
      // Tags are content hashes: one tag, one image, forever.
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      // Every image can be rebuilt from container/, so destroying the stack may drop them.
      forceDelete: true,
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${props.keepImages ?? 10} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: props.keepImages ?? 10 },
            action: { type: "expire" },
          },
        ],
      }),
    });

    if (props.prebuiltUri) {
      this.uri = props.prebuiltUri;
      return;
    }

    new DockerProvider(this, "docker", {});
    const token = new DataAwsEcrAuthorizationToken(this, "ecr-token", {});
    const image = new Image(this, "image", {
      name: `${this.repository.repositoryUrl}:${props.contentHash}`,
      // Fargate tasks run on X86_64 (see the task definition); build for it on any machine.
      buildAttribute: { context: props.context, platform: "linux/amd64" },
      triggers: { content_hash: props.contentHash },
      keepLocally: true,
    });
    const pushed = new RegistryImage(this, "push", {
      name: image.name,
      keepRemotely: true,
      triggers: { content_hash: props.contentHash },
      authConfig: {
        address: Fn.replace(token.proxyEndpoint, "https://", ""),
        username: token.userName,
        password: token.password,
      },
    });
    // By digest: the task runs exactly the bytes that were pushed.
    this.uri = `${this.repository.repositoryUrl}@${pushed.sha256Digest}`;
  }
}
