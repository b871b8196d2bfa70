/**
 * No lifecycle rule expires an image a host runs or can roll back to. The policy is checked against
 * AWS's documented rules (what PutLifecyclePolicy refuses) and run, with AWS's documented
 * evaluation, over a repository's history: releases (tagged release-... by the copy), builds no
 * release ran, and untagged images.
 */
import assert from "node:assert/strict";
import { lifecyclePolicy } from "../../infra/src/components/containerImage";
import { releaseTag } from "../../infra/src/imageCopy";
import {
  RepositoryImage,
  expiredImages,
  lifecyclePolicyProblems,
} from "../support/aws/ecrLifecycle";

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

/** A repository after `releases` releases, each after two builds no release ran and one untagged push. */
function history(releases: number): { images: RepositoryImage[]; released: string[] } {
  const images: RepositoryImage[] = [];
  const released: string[] = [];
  let t = 0;
  for (let r = 0; r < releases; r++) {
    for (const tags of [[`build-${r}a`], [`build-${r}b`], []])
      images.push({ digest: digest(++t), tags, pushedAt: t });
    const d = digest(++t);
    images.push({ digest: d, tags: [`build-${r}`, releaseTag(d)], pushedAt: t });
    released.push(d);
  }
  return { images, released };
}

describe("the ECR lifecycle policy", () => {
  it("is one AWS accepts, for the smallest and largest settings", () => {
    for (const [keepImages, keepReleases] of [
      [1, 1],
      [30, 3],
      [1000, 20],
      [2, 20],
    ] as const)
      assert.deepEqual(lifecyclePolicyProblems(lifecyclePolicy(keepImages, keepReleases)), []);
  });

  it("the model of AWS's rules refuses what AWS refuses", () => {
    const rule = (selection: object, rulePriority = 1) => ({
      rulePriority,
      selection: { countType: "imageCountMoreThan", countNumber: 1, ...selection },
      action: { type: "expire" },
    });
    const problems = (...rules: object[]) => lifecyclePolicyProblems(JSON.stringify({ rules }));
    assert.match(problems(rule({ tagStatus: "tagged" }))[0] ?? "", /tagPrefixList or tagPattern/);
    assert.match(problems(rule({ tagStatus: "any", countNumber: 0 }))[0] ?? "", /countNumber/);
    assert.match(
      problems(rule({ tagStatus: "any" }, 1), rule({ tagStatus: "untagged" }, 2))[0] ?? "",
      /any must have the highest rulePriority/,
    );
    assert.match(
      problems(rule({ tagStatus: "untagged", tagPrefixList: ["x"] }))[0] ?? "",
      /must omit tagPrefixList/,
    );
  });

  for (const [keepImages, keepReleases] of [
    [30, 3],
    [2, 3],
    [1, 20],
  ] as const) {
    it(`never expires the newest keepReleases + 1 releases (keepImages ${keepImages}, keepReleases ${keepReleases})`, () => {
      const { images, released } = history(40);
      const expired = expiredImages(lifecyclePolicy(keepImages, keepReleases), images);
      const mustKeep = released.slice(-(keepReleases + 1));
      for (const d of mustKeep) assert.ok(!expired.has(d), `release ${d} would be expired`);
      // And it does expire: the repository does not grow without bound.
      const kept = images.length - expired.size;
      assert.ok(
        kept <= Math.max(keepImages, keepReleases + 1) + keepImages,
        `${kept} images kept of ${images.length}`,
      );
    });
  }
});
