import { Construct } from "constructs";
import { conditional, Fn, Op, ref, TerraformIterator, TerraformLocal, TerraformStack, Token } from "cdktf";
import { DataAwsEcrImages } from "@cdktf/provider-aws/lib/data-aws-ecr-images";
import { DataAwsEcrRepositories } from "@cdktf/provider-aws/lib/data-aws-ecr-repositories";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";

export interface AppImageProps {
  /** ECR repository name. */
  readonly repositoryName: string;
  /** @default 10 */
  readonly keepImages?: number;
  /**
   * Let `terraform destroy` delete the repository with its images.
   * @default true
   */
  readonly forceDelete?: boolean;
  /**
   * Image to run instead of the one `npm run image` pushes.
   * @default - the image tagged `contentHash` in the repository, by digest
   */
  readonly prebuiltUri?: string;
  /** Tag of the app's image: a hash of container/, which `npm run image` pushes under it. */
  readonly contentHash: string;
  /** The command that pushes the image, for the plan-time warning when it has not run. */
  readonly pushCommand: string;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` or `@sha256:...`. */
const ECR_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+?)(?::[\w.-]+|@sha256:[a-f0-9]{64})$/;

/** The ARN of the ECR repository an image URI names, or undefined for another registry. */
export function ecrRepositoryArn(uri: string): string | undefined {
  const match = ECR_URI.exec(uri);
  if (!match) return undefined;
  const [, account, region, repository] = match;
  const partition = region.startsWith("us-gov-") ? "aws-us-gov" : region.startsWith("cn-") ? "aws-cn" : "aws";
  return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}

/**
 * The ECR repository, and the image the service runs: by default the image that
 * `npm run image` built from container/ and pushed under its content hash, resolved to
 * its digest from ECR at plan time (so a plan on a fresh CI runner, with no Docker and
 * no local image, shows no change while container/ is unchanged); or a prebuilt URI.
 *
 * Terraform no longer builds or pushes: the Docker provider's build does not work with
 * Docker's containerd image store (the default of Docker Engine 29+ and Docker Desktop),
 * and its push kept ECR credentials, valid for 12 hours, in state.
 */
export class AppImage extends Construct {
  readonly repository: EcrRepository;
  /** What the task definition runs. */
  readonly uri: string;
  /** ECR repositories the execution role must be allowed to pull from. */
  readonly pullRepositoryArns: string[];

  constructor(scope: Construct, id: string, props: AppImageProps) {
    super(scope, id);
    this.repository = new EcrRepository(this, "repository", {
      name: props.repositoryName,
      // Tags are content hashes: one tag, one image, forever.
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      // Every image can be rebuilt from container/, so destroying the stack may drop them.
      forceDelete: props.forceDelete ?? true,
      // Images that must outlive a destroy stop it at plan time, before anything is deleted.
      lifecycle: props.forceDelete === false ? { preventDestroy: true } : undefined,
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
    forgetDockerProviderResources(TerraformStack.of(this));

    if (props.prebuiltUri) {
      this.uri = props.prebuiltUri;
      const elsewhere = ecrRepositoryArn(props.prebuiltUri);
      this.pullRepositoryArns = [this.repository.arn, ...(elsewhere ? [elsewhere] : [])];
      return;
    }
    this.pullRepositoryArns = [this.repository.arn];

    const tag = props.contentHash;
    // The repository by its name as a literal, not as a reference: Terraform reads a data
    // source that refers to a resource with a pending change only at apply, and then the
    // image, and so the task definition, would show as replaced in every such plan. Before
    // the repository exists (a new environment's first plan) there is nothing to look up.
    const repositories = new DataAwsEcrRepositories(this, "repositories", {});
    const images = new DataAwsEcrImages(this, "pushed", {
      repositoryName: props.repositoryName,
      count: Token.asNumber(conditional(Fn.contains(repositories.names, props.repositoryName), 1, 0)),
    });
    const pushed = Fn.flatten(ref(`data.${images.terraformResourceType}.${images.friendlyUniqueId}[*].image_ids`, TerraformStack.of(this)));
    const digests = TerraformIterator.fromList(pushed).forExpressionForList(`val.image_digest if val.image_tag == "${tag}"`);
    // By digest once pushed: the task runs exactly those bytes. Before the push (a pull
    // request that changes container/) the plan shows the new tag; tags are immutable.
    const uri = new TerraformLocal(
      this,
      "uri",
      conditional(
        Op.gte(Fn.lengthOf(digests), 1),
        `${this.repository.repositoryUrl}@${Token.asString(Fn.element(digests, 0))}`,
        `${this.repository.repositoryUrl}:${tag}`,
      ),
    );
    // A plain name for `local.image_uri` in plans, like the resources' readable addresses.
    uri.overrideLogicalId("image_uri");
    this.uri = uri.asString;
    // A warning in the plan, not an error: a pull request's plan runs before the push.
    TerraformStack.of(this).addOverride("check.image_pushed", {
      assert: [
        {
          condition: `\${length(${Token.asString(digests)}) > 0}`,
          error_message: `The image ${tag} (a hash of container/) is not in ECR repository ${props.repositoryName} yet. Run \`${props.pushCommand}\` before applying: it builds container/ and pushes it.`,
        },
      ],
    });
  }
}

/**
 * Stacks deployed before the image moved out of Terraform hold a docker_image and a
 * docker_registry_image (and ECR credentials with them). Forget them without destroying:
 * the pushed image stays in ECR, and the next plan no longer needs the Docker provider.
 */
function forgetDockerProviderResources(stack: TerraformStack): void {
  stack.addOverride(
    "removed",
    ["docker_image.image_image", "docker_registry_image.image_push"].map((from) => ({ from, lifecycle: { destroy: false } })),
  );
}
