/**
 * `npm run image -- <env>`: puts the app's image into the environment's ECR repository,
 * once per content of container/, before the app stack is applied.
 *
 * 1. The repository: if it does not exist yet (a brand-new account), a targeted apply of
 *    the app stack creates just it and its lifecycle policy, so there is somewhere to push.
 * 2. The tag is a hash of container/. If ECR has it, there is nothing to do (tags are
 *    immutable): CI builds once, and a re-run deploy or a rollback pushes nothing.
 * 3. Otherwise `docker buildx build --platform linux/amd64 --push`: buildx pushes from
 *    BuildKit directly, so it works with the classic and the containerd image store alike.
 *
 * The app stack then resolves the tag to its digest (data source aws_ecr_images).
 *
 * With IMAGE_PUSH=manifest (an AWS emulator, which has no registry to push layers to), step 3
 * instead puts an image manifest under the tag through ECR's PutImage API: no Docker needed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadEnvironments } from "../stacks/config-file";
import { contentHash } from "../stacks/content-hash";
import { namePrefix, stackNames } from "../stacks/naming";
import { ConfigError, ResolvedConfig, resolveEnvironments } from "../stacks/schema";

/** Terraform addresses of what the repository needs before the first push. */
export const REPOSITORY_TARGETS = ["aws_ecr_repository.image_repository", "aws_ecr_lifecycle_policy.image_lifecycle"];

export interface PublishOptions {
  /** Where `npm run synth` wrote the stacks. */
  readonly stacksDir: string;
  /** The Docker build context. */
  readonly containerDir: string;
  /** Environment of the aws, docker and terraform commands (PATH, credentials). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** `terraform` or `tofu`. @default $TERRAFORM or "terraform" */
  readonly terraform?: string;
  readonly log?: (line: string) => void;
}

/** A step failed in a way the user must fix; the message says how. */
export class ImageError extends Error {}

/** Runs a command; returns its trimmed stdout, or undefined when it failed with `expected` in stderr. */
function run(command: string, args: string[], options: PublishOptions, expected?: string, input?: string): string | undefined {
  const result = spawnSync(command, args, { env: options.env ?? process.env, encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
  if (result.error) throw new ImageError(`${command} could not be started (${result.error.message}); is it installed and on PATH?`);
  if (result.status === 0) return result.stdout.trim();
  if (expected && result.stderr.includes(expected)) return undefined;
  throw new ImageError(`${command} ${args.slice(0, 3).join(" ")} failed (exit ${result.status}):\n${result.stderr.trim()}`);
}

/** Builds and pushes the image if ECR does not have it; returns `<repository>@<digest>`. */
export function publishImage(config: ResolvedConfig, options: PublishOptions): string {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const terraform = options.terraform ?? options.env?.TERRAFORM ?? process.env.TERRAFORM ?? "terraform";
  const repository = namePrefix(config.name);
  const region = ["--region", config.region];
  const tag = contentHash(options.containerDir);

  const describeRepository = () =>
    run("aws", ["ecr", "describe-repositories", "--repository-names", repository, ...region, "--query", "repositories[0].repositoryUri", "--output", "text"], options, "RepositoryNotFoundException");
  let repositoryUri = describeRepository();
  if (repositoryUri === undefined) {
    const stackDir = join(options.stacksDir, stackNames(config.name).app);
    if (!existsSync(join(stackDir, "cdk.tf.json"))) throw new ImageError(`${stackDir}/cdk.tf.json is missing: run \`npm run synth\` first.`);
    log(`ECR repository ${repository} does not exist yet: creating it (and only it) with a targeted apply of ${stackNames(config.name).app}.`);
    run(terraform, [`-chdir=${stackDir}`, "init", "-input=false", "-no-color"], options);
    run(terraform, [`-chdir=${stackDir}`, "apply", "-input=false", "-no-color", "-auto-approve", ...REPOSITORY_TARGETS.map((t) => `-target=${t}`)], options);
    repositoryUri = describeRepository();
    if (repositoryUri === undefined) throw new ImageError(`ECR repository ${repository} is still missing after the targeted apply.`);
  }

  const describeDigest = () =>
    run("aws", ["ecr", "describe-images", "--repository-name", repository, "--image-ids", `imageTag=${tag}`, ...region, "--query", "imageDetails[0].imageDigest", "--output", "text"], options, "ImageNotFoundException");
  const existing = describeDigest();
  if (existing !== undefined) {
    log(`${repositoryUri}:${tag} is already in ECR (${existing}): nothing to build.`);
    return `${repositoryUri}@${existing}`;
  }

  if ((options.env ?? process.env).IMAGE_PUSH === "manifest") {
    log(`IMAGE_PUSH=manifest: putting a manifest for ${repositoryUri}:${tag} through ECR's API (no build).`);
    run("aws", ["ecr", "put-image", "--repository-name", repository, "--image-tag", tag, "--image-manifest", emulatorManifest(tag), "--image-manifest-media-type", MANIFEST_MEDIA_TYPE, ...region], options);
  } else {
    buildAndPush(repositoryUri, tag, region, options);
  }
  const digest = describeDigest();
  if (digest === undefined) throw new ImageError(`${repositoryUri}:${tag} is not in ECR after the push.`);
  log(`Pushed ${repositoryUri}@${digest}`);
  return `${repositoryUri}@${digest}`;
}

const MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

/** A schema 2 manifest unique to the tag, for IMAGE_PUSH=manifest: its digest is the image's. */
function emulatorManifest(tag: string): string {
  const digest = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 2, digest: digest(`config ${tag}`) },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 2, digest: digest(`layer ${tag}`) }],
  });
}

function buildAndPush(repositoryUri: string, tag: string, region: string[], options: PublishOptions): void {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (spawnSync("docker", ["buildx", "version"], { env: options.env ?? process.env }).status !== 0) {
    throw new ImageError("docker buildx is not available: Docker Desktop and Docker Engine 23+ include it (on Linux, the docker-buildx-plugin package).");
  }
  const registry = repositoryUri.split("/")[0];
  const password = run("aws", ["ecr", "get-login-password", ...region], options) ?? "";
  run("docker", ["login", "--username", "AWS", "--password-stdin", registry], options, undefined, password);
  log(`Building ${repositoryUri}:${tag} for linux/amd64 and pushing it.`);
  // Provenance attestations would make the tag an image index; ECS and the lifecycle
  // policy count plain images, one per tag.
  const build = spawnSync("docker", ["buildx", "build", "--platform", "linux/amd64", "--provenance=false", "--tag", `${repositoryUri}:${tag}`, "--push", options.containerDir], {
    env: options.env ?? process.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (build.status !== 0) throw new ImageError(`docker buildx build failed (exit ${build.status}); its output is above.`);
}

function main(args: string[]): number {
  const environments = loadEnvironments();
  const names = environments.map((e) => e.name);
  const name = args[0];
  if (!name || args.length > 1) {
    process.stderr.write(`Usage: npm run image -- <environment>   (one of: ${names.join(", ")})\n`);
    return 2;
  }
  try {
    const config = resolveEnvironments(environments).find((c) => c.name === name);
    if (!config) {
      process.stderr.write(`No environment "${name}" in stacks/config.ts; there are: ${names.join(", ")}\n`);
      return 2;
    }
    if (config.image.prebuiltUri) {
      process.stdout.write(`[${name}] image.prebuiltUri is set (${config.image.prebuiltUri}): nothing to build.\n`);
      return 0;
    }
    publishImage(config, { stacksDir: join(process.cwd(), "cdktf.out", "stacks"), containerDir: join(process.cwd(), "container") });
    return 0;
  } catch (error) {
    if (!(error instanceof ImageError || error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
