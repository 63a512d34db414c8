import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentHash } from "../../stacks/content-hash";
import { resolveEnvironments } from "../../stacks/schema";
import { ImageError, publishImage, REPOSITORY_TARGETS } from "../../scripts/image";
import { minimal } from "../fixtures/environments";

/**
 * aws, docker and terraform stand-ins on PATH: real processes that log their arguments
 * and keep the account's state (repository exists, tag pushed) in files, as ECR would.
 */
const FAKES: Record<string, string> = {
  aws: `
case "$2" in
  describe-repositories)
    [ -f "$FAKE/repo" ] || { echo "An error occurred (RepositoryNotFoundException) when calling DescribeRepositories" >&2; exit 254; }
    echo "123456789012.dkr.ecr.eu-central-1.amazonaws.com/whoami-example" ;;
  describe-images)
    [ -f "$FAKE/pushed" ] || { echo "An error occurred (ImageNotFoundException) when calling DescribeImages" >&2; exit 254; }
    echo "sha256:1111111111111111111111111111111111111111111111111111111111111111" ;;
  get-login-password) echo "ecr-password" ;;
esac`,
  docker: `
case "$1 $2" in
  "buildx version") [ -f "$FAKE/no-buildx" ] && { echo "docker: 'buildx' is not a docker command." >&2; exit 1; }; echo "github.com/docker/buildx v0.20.0" ;;
  "login --username") [ "$(cat)" = "ecr-password" ] || exit 1 ;;
  "buildx build") touch "$FAKE/pushed" ;;
esac`,
  terraform: `
case "$2" in apply) touch "$FAKE/repo" ;; esac`,
};

function account(state: { repo?: boolean; pushed?: boolean; noBuildx?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "image-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  for (const [name, body] of Object.entries(FAKES)) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "$FAKE/calls"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  if (state.repo) writeFileSync(join(dir, "repo"), "");
  if (state.pushed) writeFileSync(join(dir, "pushed"), "");
  if (state.noBuildx) writeFileSync(join(dir, "no-buildx"), "");
  const stacksDir = join(dir, "stacks");
  mkdirSync(join(stacksDir, "app-example"), { recursive: true });
  writeFileSync(join(stacksDir, "app-example", "cdk.tf.json"), "{}");
  const calls = () => (existsSync(join(dir, "calls")) ? readFileSync(join(dir, "calls"), "utf8").trim().split("\n") : []);
  const options = { stacksDir, containerDir: join(process.cwd(), "container"), env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE: dir }, terraform: "terraform", log: () => {} };
  return { calls, options };
}

const [config] = resolveEnvironments([minimal]);
const tag = contentHash(join(process.cwd(), "container"));
const REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/whoami-example";

describe("npm run image", () => {
  it("in a brand-new account: creates only the repository, then builds for linux/amd64 and pushes under the content hash", () => {
    const { calls, options } = account();
    expect(publishImage(config, options)).toBe(`${REPO}@sha256:${"1".repeat(64)}`);
    const log = calls();
    const targets = REPOSITORY_TARGETS.map((t) => `-target=${t}`).join(" ");
    expect(log.filter((c) => c.startsWith("terraform"))).toEqual([
      `terraform -chdir=${options.stacksDir}/app-example init -input=false -no-color`,
      `terraform -chdir=${options.stacksDir}/app-example apply -input=false -no-color -auto-approve ${targets}`,
    ]);
    const build = log.findIndex((c) => c.startsWith("docker buildx build"));
    expect(log[build]).toBe(`docker buildx build --platform linux/amd64 --provenance=false --tag ${REPO}:${tag} --push ${options.containerDir}`);
    // The repository exists before the push, and the login before the build.
    expect(log.findIndex((c) => c.includes(" apply "))).toBeLessThan(build);
    expect(log.findIndex((c) => c.startsWith("docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-central-1.amazonaws.com"))).toBeLessThan(build);
  });

  it("builds nothing when ECR already has the tag (CI builds once; a re-run deploy pushes nothing)", () => {
    const { calls, options } = account({ repo: true, pushed: true });
    expect(publishImage(config, options)).toBe(`${REPO}@sha256:${"1".repeat(64)}`);
    expect(calls().filter((c) => !c.startsWith("aws ecr describe-"))).toEqual([]);
  });

  it("with the repository in place, applies nothing and pushes once", () => {
    const { calls, options } = account({ repo: true });
    publishImage(config, options);
    expect(calls().filter((c) => c.startsWith("terraform"))).toEqual([]);
    expect(calls().filter((c) => c.startsWith("docker buildx build"))).toHaveLength(1);
  });

  it("stops with what to install when docker has no buildx, before logging in", () => {
    const { calls, options } = account({ repo: true, noBuildx: true });
    expect(() => publishImage(config, options)).toThrow(ImageError);
    expect(() => publishImage(config, options)).toThrow(/docker buildx is not available: Docker Desktop and Docker Engine 23\+ include it/);
    expect(calls().some((c) => c.startsWith("docker login") || c.startsWith("aws ecr get-login-password"))).toBe(false);
  });

  it("asks for a synth first when it must create the repository and there is no synthesized stack", () => {
    const { options } = account();
    expect(() => publishImage(config, { ...options, stacksDir: join(options.stacksDir, "missing") })).toThrow(/cdk.tf.json is missing: run `npm run synth` first/);
  });
});
