import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { localBaseImageArgs, pinnedBaseImages, unpinnedFroms } from "../../fleet/src/base-images";

const REPO_ROOT = path.join(__dirname, "..", "..");
const DOCKERFILES = ["app-image/Dockerfile", "nginx/Dockerfile"];
const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("base images pinned by digest", () => {
  for (const file of DOCKERFILES) {
    const text = readFileSync(path.join(REPO_ROOT, file), "utf8");

    it(`${file}: every FROM is a stage, scratch, or an ARG whose default is name:tag@sha256:<64 hex>`, () => {
      assert.deepEqual(unpinnedFroms(text), []);
      const pins = pinnedBaseImages(text);
      assert.ok(pins.length > 0, `${file} pins no base image`);
      // scripts/pin-base-images.sh refreshes the ARGs named *_IMAGE.
      for (const { arg } of pins) assert.match(arg, /_IMAGE$/);
    });

    it(`${file}: local builds get each pinned image by its tag (the stand-in's name)`, () => {
      for (const value of localBaseImageArgs(text)) {
        assert.match(value, /^[A-Z_]+_IMAGE=(node|debian):[a-z0-9.-]+$/);
      }
    });
  }

  it("the app builds from node:20-bookworm-slim, the proxy from debian:bookworm-slim", () => {
    const tagsOf = (file: string) =>
      pinnedBaseImages(readFileSync(path.join(REPO_ROOT, file), "utf8")).map((p) => p.tag);
    assert.deepEqual(tagsOf("app-image/Dockerfile"), ["node:20-bookworm-slim"]);
    assert.deepEqual(tagsOf("nginx/Dockerfile"), ["debian:bookworm-slim"]);
  });

  describe("unpinnedFroms names each FROM that is not pinned", () => {
    it("a registry image taken directly, with or without a tag or digest", () => {
      for (const from of ["node:20", "node", `node@${DIGEST}`, "--platform=linux/amd64 node:20"]) {
        const problems = unpinnedFroms(`FROM ${from}\nRUN true\n`);
        assert.equal(problems.length, 1, from);
        assert.match(problems[0]!, /not from a pinned ARG/);
      }
    });

    it("an ARG whose default is a tag only, missing, or declared after the first FROM", () => {
      assert.match(
        unpinnedFroms("ARG BASE=node:20\nFROM ${BASE}\n")[0] ?? "",
        /ARG BASE's default "node:20" is not name:tag@sha256/,
      );
      assert.match(unpinnedFroms("ARG BASE\nFROM $BASE\n")[0] ?? "", /is not name:tag@sha256/);
      assert.match(
        unpinnedFroms(`FROM scratch\nARG BASE=node:20@${DIGEST}\nFROM \${BASE}\n`)[0] ?? "",
        /not declared before the first FROM/,
      );
      assert.match(
        unpinnedFroms(`ARG BASE=node:20@sha256:${"ab".repeat(31)}\nFROM \${BASE}\n`)[0] ?? "",
        /is not name:tag@sha256/,
      );
    });

    it("accepts pinned ARGs, scratch and earlier stages (any case)", () => {
      const dockerfile = [
        "# a comment: FROM node:20",
        `ARG BASE=node:20-bookworm-slim@${DIGEST}`,
        "FROM ${BASE} AS deps",
        "FROM deps AS build",
        "from Build as again",
        "FROM scratch",
        "COPY --from=build /app /app",
      ].join("\n");
      assert.deepEqual(unpinnedFroms(dockerfile), []);
      assert.deepEqual(localBaseImageArgs(dockerfile), ["BASE=node:20-bookworm-slim"]);
    });

    it("a stage name used before it is defined is a registry image", () => {
      assert.equal(unpinnedFroms("FROM later\nFROM scratch AS later\n").length, 1);
    });
  });
});
