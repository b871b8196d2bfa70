/**
 * ECR tags are immutable, so an image's tag must change exactly when what the build sees does:
 * the files .dockerignore admits, the Dockerfile, the build arguments and the platform; and the
 * docker provider must get the same (relative) inputs from every checkout.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  BuildInputs,
  admittedFiles,
  buildInputsHash,
  buildTag,
} from "../../infra/src/buildContext";
import { REPO_ROOT, runProgram, runStackOnce } from "../support/pulumi/runProgram";

describe("image builds: the tag is a function of exactly what the build sees", () => {
  let root: string;
  const inputs: BuildInputs = {
    context: "app-image",
    dockerfile: "app-image/Dockerfile",
    platform: "linux/amd64",
    args: {},
  };
  const hash = (overrides: Partial<BuildInputs> = {}) =>
    buildInputsHash(root, { ...inputs, ...overrides });

  beforeEach(() => {
    // A copy of the real app context, with its .dockerignore.
    root = mkdtempSync(path.join(tmpdir(), "berth-build-"));
    cpSync(path.join(REPO_ROOT, "app-image"), path.join(root, "app-image"), {
      recursive: true,
      filter: (source) => !source.includes("node_modules"),
    });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("admits only what .dockerignore lets through", () => {
    const files = admittedFiles(path.join(root, "app-image"));
    assert.ok(files.includes("package.json") && files.some((f) => f.startsWith("src/")));
    assert.ok(!files.includes("Dockerfile"), "the Dockerfile is hashed on its own");
    assert.ok(!files.some((f) => f.endsWith(".test.ts") || f.endsWith(".md")));
  });

  it("an edit to an excluded file changes nothing: no build, no push, no rollout", () => {
    const before = hash();
    writeFileSync(path.join(root, "app-image", "README.md"), "# notes\n");
    writeFileSync(path.join(root, "app-image", "src", "routes.test.ts"), "// a test\n");
    writeFileSync(path.join(root, "app-image", "src", "NOTES.md"), "more notes\n");
    assert.equal(hash(), before);
  });

  it("changes with an admitted file, the Dockerfile, a build argument or the platform", () => {
    const before = hash();
    assert.notEqual(hash({ platform: "linux/arm64" }), before, "t3 -> t4g needs a new tag");
    assert.notEqual(hash({ args: { NODE_ENV: "production" } }), before);
    writeFileSync(path.join(root, "app-image", "Dockerfile"), "FROM scratch\n");
    const afterDockerfile = hash();
    assert.notEqual(afterDockerfile, before);
    writeFileSync(path.join(root, "app-image", "src", "extra.ts"), "export const x = 1;\n");
    assert.notEqual(hash(), afterDockerfile);
    assert.match(buildTag(hash()), /^ctx-[0-9a-f]{20}$/);
  });

  it("does not depend on where the checkout is", () => {
    const other = mkdtempSync(path.join(tmpdir(), "berth-build-other-"));
    try {
      cpSync(path.join(root, "app-image"), path.join(other, "app-image"), { recursive: true });
      assert.equal(buildInputsHash(other, inputs), hash());
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe("image builds: what the docker provider gets", () => {
  it("relative context and Dockerfile paths, and the hosts' platform", async () => {
    for (const stack of ["staging", "prod"]) {
      const run = await runStackOnce(stack);
      const images = run.ofType("docker:index/image:Image");
      assert.equal(images.length, 2, `${stack}: app and proxy`);
      for (const image of images) {
        const build = image.inputs.build as Record<string, unknown>;
        assert.ok(!String(build.context).startsWith("/"), `${image.name}: ${build.context}`);
        assert.ok(!String(build.dockerfile).startsWith("/"), `${image.name}: ${build.dockerfile}`);
        assert.equal(build.dockerfile, `${build.context}/Dockerfile`);
        assert.ok(!JSON.stringify(image.inputs).includes(REPO_ROOT), "an absolute path leaked");
      }
    }
  });

  it("a Graviton host type gets an arm64 build under another tag", async () => {
    const x86 = await runStackOnce("staging");
    const arm = await runProgram({
      stack: "staging",
      configOverrides: {
        "berth:hosts": { count: 1, instanceType: "t4g.small", rootVolumeGiB: 20 },
      },
    });
    const appImage = (run: typeof x86) =>
      run.ofType("docker:index/image:Image").find((i) => i.name.includes("-app-"))!;
    assert.equal((appImage(arm).inputs.build as { platform: string }).platform, "linux/arm64");
    assert.notEqual(
      String(appImage(arm).inputs.imageName).split(":").pop(),
      String(appImage(x86).inputs.imageName).split(":").pop(),
    );
  });
});
