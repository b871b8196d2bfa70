/**
 * Amazon ECR's lifecycle policies as AWS documents them, for tests: what PutLifecyclePolicy
 * refuses, and which images a policy expires. Sources:
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html and
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html (how rules are
 * evaluated): rules apply in rulePriority order; an image that matches the tag selection of a rule
 * is never expired by a rule of lower priority, though lower rules still count it; counts rank
 * images by push time, newest first; with tagPrefixList an image matches when each prefix
 * starts one of its tags.
 */

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: {
    tagStatus: string;
    tagPrefixList?: string[];
    tagPatternList?: string[];
    countType: string;
    countUnit?: string;
    countNumber: number;
  };
  action: { type: string };
}

/** What AWS refuses in a lifecycle policy document; empty when it accepts it. */
export function lifecyclePolicyProblems(document: string): string[] {
  let rules: LifecycleRule[];
  try {
    rules = (JSON.parse(document) as { rules: LifecycleRule[] }).rules;
  } catch {
    return ["is not JSON"];
  }
  if (!Array.isArray(rules) || rules.length === 0) return ["has no rules"];
  const problems: string[] = [];
  const priorities = rules.map((r) => r.rulePriority);
  if (new Set(priorities).size !== priorities.length) problems.push("repeats a rulePriority");
  const highest = Math.max(...priorities);
  rules.forEach((rule, i) => {
    const where = `rule ${i + 1} (priority ${rule.rulePriority})`;
    const s = rule.selection;
    if (!Number.isInteger(rule.rulePriority) || rule.rulePriority < 1)
      problems.push(`${where}: rulePriority must be a whole number of at least 1`);
    if (!["tagged", "untagged", "any"].includes(s.tagStatus))
      problems.push(`${where}: tagStatus must be tagged, untagged or any`);
    const lists = [s.tagPrefixList, s.tagPatternList].filter((l) => l !== undefined);
    if (s.tagStatus === "tagged" && (lists.length !== 1 || (lists[0] ?? []).length === 0))
      problems.push(`${where}: tagged needs exactly one of tagPrefixList or tagPatternList`);
    if (s.tagStatus !== "tagged" && lists.length > 0)
      problems.push(`${where}: ${s.tagStatus} must omit tagPrefixList and tagPatternList`);
    for (const pattern of s.tagPatternList ?? [])
      if ((pattern.match(/\*/g) ?? []).length > 4)
        problems.push(`${where}: a tag pattern has more than 4 wildcards`);
    if (s.tagStatus === "any" && rule.rulePriority !== highest)
      problems.push(`${where}: a rule with tagStatus any must have the highest rulePriority`);
    if (!Number.isInteger(s.countNumber) || s.countNumber < 1)
      problems.push(`${where}: countNumber must be a whole number of at least 1`);
    if (s.countType === "imageCountMoreThan" && s.countUnit !== undefined)
      problems.push(`${where}: imageCountMoreThan takes no countUnit`);
    else if (s.countType === "sinceImagePushed" && s.countUnit !== "days")
      problems.push(`${where}: sinceImagePushed needs countUnit days`);
    else if (!["imageCountMoreThan", "sinceImagePushed"].includes(s.countType))
      problems.push(`${where}: countType must be imageCountMoreThan or sinceImagePushed`);
    if (rule.action?.type !== "expire") problems.push(`${where}: action type must be expire`);
  });
  if (rules.filter((r) => r.selection.tagStatus === "untagged").length > 1)
    problems.push("more than one rule selects untagged images");
  return problems;
}

/** One image in a repository. */
export interface RepositoryImage {
  digest: string;
  tags: string[];
  /** Push time, in any unit that orders them. */
  pushedAt: number;
}

function matchesTags(rule: LifecycleRule, image: RepositoryImage): boolean {
  const s = rule.selection;
  if (s.tagStatus === "any") return true;
  if (s.tagStatus === "untagged") return image.tags.length === 0;
  if (s.tagPrefixList)
    return s.tagPrefixList.every((p) => image.tags.some((tag) => tag.startsWith(p)));
  const regex = (p: string) =>
    new RegExp(
      `^${p
        .split("*")
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    );
  return (s.tagPatternList ?? []).every((p) => image.tags.some((tag) => regex(p).test(tag)));
}

/** The digests a (count-based) policy expires from these images. */
export function expiredImages(document: string, images: RepositoryImage[]): Set<string> {
  const rules = [...(JSON.parse(document) as { rules: LifecycleRule[] }).rules].sort(
    (a, b) => a.rulePriority - b.rulePriority,
  );
  const expired = new Set<string>();
  const claimed = new Set<string>();
  for (const rule of rules) {
    if (rule.selection.countType !== "imageCountMoreThan")
      throw new Error("this model covers imageCountMoreThan rules only");
    const selected = images
      .filter((image) => matchesTags(rule, image))
      .sort((a, b) => b.pushedAt - a.pushedAt);
    for (const image of selected.slice(rule.selection.countNumber))
      if (!claimed.has(image.digest)) expired.add(image.digest);
    for (const image of selected) claimed.add(image.digest);
  }
  return expired;
}
