import { readFileSync } from "node:fs";
import { join } from "node:path";

const CONTAINER = join(__dirname, "..", "..", "container");
const dockerfile = readFileSync(join(CONTAINER, "Dockerfile"), "utf8");
const stages = dockerfile.split(/^FROM /m).slice(1);
const runtime = stages[stages.length - 1];

describe("container image", () => {
  it("builds in one stage and runs from another, both on the same pinned Node LTS tag", () => {
    expect(stages).toHaveLength(2);
    const bases = stages.map((stage) => stage.split(/\s/)[0]);
    expect(new Set(bases).size).toBe(1);
    expect(bases[0]).toMatch(/^node:(20|22|24)\.\d+\.\d+-alpine\d+\.\d+$/);
  });

  it("installs production dependencies only in the runtime stage and copies in just the build output", () => {
    expect(runtime).toContain("npm ci --omit=dev");
    expect(runtime.match(/^COPY .*/gm)).toEqual(["COPY package.json package-lock.json ./", "COPY --from=build /app/dist ./dist"]);
  });

  it("runs as the unprivileged node user", () => {
    expect(runtime).toMatch(/^USER node$/m);
  });

  it("sends only package files, tsconfig and src/ to the build: no tests, no node_modules", () => {
    const ignore = readFileSync(join(CONTAINER, ".dockerignore"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
    expect(ignore).toEqual(["*", "!package.json", "!package-lock.json", "!tsconfig.json", "!src/", "!src/**"]);
  });
});
