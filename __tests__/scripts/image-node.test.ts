import { readFileSync } from "node:fs";
import { join } from "node:path";
import { imageNodeVersion } from "../../scripts/image-node";

describe("the image's Node.js version, for bench:app", () => {
  it("is read from the FROM line every stage of container/Dockerfile shares", () => {
    const dockerfile = readFileSync(join(__dirname, "..", "..", "container", "Dockerfile"), "utf8");
    const tags = [...dockerfile.matchAll(/^FROM node:(\S+)/gm)].map((m) => m[1]);

    expect(tags.length).toBeGreaterThanOrEqual(2);
    expect(tags.every((tag) => tag.startsWith(`${imageNodeVersion(dockerfile)}-`))).toBe(true);
  });

  it("refuses a Dockerfile whose stages start from different Node.js versions, naming both", () => {
    const dockerfile = "FROM node:24.11.1-alpine3.22 AS build\nRUN true\nFROM node:22.1.0-alpine3.22 AS runtime\n";
    expect(() => imageNodeVersion(dockerfile)).toThrow(/24\.11\.1, 22\.1\.0/);
  });

  it("refuses a Dockerfile with no pinned node:<x.y.z> stage", () => {
    expect(() => imageNodeVersion("FROM node:lts-alpine\n")).toThrow(/found none/);
  });
});
