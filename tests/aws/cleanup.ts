/**
 * Removing the ephemeral stack: `destroy`, then `removeStack`, always; and when that fails, the
 * exact commands to finish by hand.
 *
 * The program's ECR repositories keep their images on purpose (`forceDelete: false`: a real
 * stack's images outlive an accidental destroy), so a plain destroy of a stack that built images
 * stops at "RepositoryNotEmptyException". The provider deletes with the `forceDelete` it finds in
 * the stack's state, so for this throwaway stack only, the state is exported, `forceDelete` set
 * on its repositories, and imported again before `destroy`. The program is not changed.
 */

/** What `exportStack` returns and `importStack` takes. */
export interface Deployment {
  version: number;
  // The engine's untyped deployment: { manifest, resources: [{ urn, type, inputs, outputs }] }.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  deployment: any;
}

export const ECR_REPOSITORY_TYPE = "aws:ecr/repository:Repository";

interface StateResource {
  type?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/**
 * The deployment with `forceDelete: true` on every ECR repository, and the repositories changed.
 * Pure: the input is not modified.
 */
export function allowEcrDeletion(state: Deployment): {
  state: Deployment;
  repositories: string[];
} {
  const copy = JSON.parse(JSON.stringify(state)) as Deployment;
  const repositories: string[] = [];
  const resources: StateResource[] = copy.deployment?.resources ?? [];
  for (const resource of resources) {
    if (resource.type !== ECR_REPOSITORY_TYPE) continue;
    if (resource.outputs?.forceDelete === true && resource.inputs?.forceDelete === true) continue;
    resource.inputs = { ...resource.inputs, forceDelete: true };
    resource.outputs = { ...resource.outputs, forceDelete: true };
    repositories.push(String(resource.outputs.name ?? resource.outputs.id ?? "?"));
  }
  return { state: copy, repositories };
}

/** Where the stack lives, for the manual commands. */
export interface CleanupTarget {
  stackName: string;
  region: string;
  /** berth:app: the repositories are `<app>-<stack>-app` and `<app>-<stack>-proxy`. */
  app: string;
  /** The project copy holding Pulumi.<stack>.yaml (its secrets salt, with a passphrase backend). */
  workDir: string;
}

/** A path as one shell word. */
export function shellWord(text: string): string {
  return /^[\w./@:=+-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** The commands that remove the stack by hand, in order. */
export function manualCleanupCommands(t: CleanupTarget): string[] {
  const repositories = ["app", "proxy"].map((role) => `${t.app}-${t.stackName}-${role}`);
  return [
    `cd ${shellWord(t.workDir)}`,
    ...repositories.map(
      (name) => `aws ecr delete-repository --force --region ${t.region} --repository-name ${name}`,
    ),
    `pulumi destroy -s ${t.stackName} --yes`,
    `pulumi stack rm ${t.stackName} --yes`,
  ];
}

/** The message printed when the test could not remove the stack itself. */
export function manualCleanupMessage(t: CleanupTarget, error: string): string[] {
  return [
    `cleanup failed: ${error}`,
    `The stack ${t.stackName} in ${t.region} still exists and costs money. Remove it by hand (the`,
    "ECR deletes may say the repository does not exist: that is fine):",
    ...manualCleanupCommands(t).map((c) => `  ${c}`),
  ];
}

/**
 * The same commands as a bash script, written while the stack exists so CI can run it when the
 * test itself could not (a timeout, a cancelled job). It starts from the checkout when the copy
 * is gone: with Pulumi Cloud or a passphrase in the environment, destroy works from there too.
 */
export function cleanupScriptText(t: CleanupTarget, repoRoot: string): string {
  const [, ...rest] = manualCleanupCommands(t);
  const lines = rest.map((c) => (c.startsWith("aws ecr") ? `${c} || true` : c));
  return [
    "#!/usr/bin/env bash",
    `# Removes the berth acceptance stack ${t.stackName} (${t.region}). Written by tests/aws when the`,
    "# stack was created; deleted once the test removed the stack itself.",
    "set -euo pipefail",
    `cd ${shellWord(t.workDir)} 2>/dev/null || cd ${shellWord(repoRoot)}`,
    ...lines,
    "",
  ].join("\n");
}
