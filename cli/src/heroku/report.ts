import { ImportPlan } from "./mapping";
import { secretCommandLine } from "./secret-commands";
import { StackYamlUpdate } from "./stack-yaml";

/**
 * What `berth import-heroku` prints: the decisions with their rules, the file it would write, the
 * secret commands, and what it cannot map. Never a secret's value.
 */
export function renderImportReport(
  stack: string,
  plan: ImportPlan,
  update: StackYamlUpdate,
  options: { write: boolean },
): string[] {
  const lines: string[] = [];
  const section = (title: string) => lines.push("", `== ${title}`);

  section("config vars: where each goes and why");
  if (plan.decisions.length === 0) lines.push("(none)");
  const width = Math.max(0, ...plan.decisions.map((d) => d.name.length));
  for (const d of plan.decisions)
    lines.push(`${d.name.padEnd(width)}  ${d.to.padEnd(10)}  ${d.rule}`);
  if (plan.notes.length > 0) {
    section("how the rest was mapped");
    plan.notes.forEach((note) => lines.push(`- ${note}`));
  }

  section(
    options.write
      ? `Pulumi.${stack}.yaml: written`
      : `Pulumi.${stack}.yaml as it would be written (nothing written; --write writes it)`,
  );
  lines.push(...(update.changes.length ? update.changes.map((c) => `- ${c}`) : ["(no change)"]));
  if (!options.write) lines.push("", ...update.text.trimEnd().split("\n"));
  if (update.problems.length > 0) {
    section("values berth's config would refuse (fix before pulumi up)");
    update.problems.forEach((p) => lines.push(`- ${p}`));
  }

  section(
    `secrets (${plan.secrets.length}): each value goes to pulumi on stdin, never on a command line`,
  );
  if (plan.secrets.length === 0) lines.push("(none)");
  else {
    lines.push("# run from the repository root, or let --run-secrets do it:");
    plan.secrets.forEach((s) => lines.push(secretCommandLine(stack, s)));
  }

  section(`cannot map (${plan.cannotMap.length}): what to do instead`);
  if (plan.cannotMap.length === 0) lines.push("(nothing)");
  for (const item of plan.cannotMap)
    lines.push(
      `- ${item.what}: ${item.why}.`,
      `  instead: ${item.instead.replace(/STACK/g, stack)}.`,
    );
  return lines.slice(1);
}
