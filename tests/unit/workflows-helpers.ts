import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** The repository's workflow directory. */
export const WORKFLOW_DIR = join(__dirname, "..", "..", ".github", "workflows");

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  "continue-on-error"?: boolean;
}

export interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export function workflowFiles(): string[] {
  return readdirSync(WORKFLOW_DIR).filter((name) => /\.ya?ml$/.test(name));
}

export function readWorkflowText(file: string): string {
  return readFileSync(join(WORKFLOW_DIR, file), "utf8");
}

export function loadWorkflow(file: string): Workflow {
  return parse(readWorkflowText(file)) as Workflow;
}

export function job(workflow: Workflow, id: string): Job {
  const found = workflow.jobs[id];
  if (!found) throw new Error(`workflow "${workflow.name}" has no job "${id}"`);
  return found;
}

/** The one step whose name, id or `uses` matches; fails loudly when there are none or several. */
export function step(jobDef: Job, match: RegExp): Step {
  const found = jobDef.steps.filter((s) => match.test(s.name ?? s.id ?? s.uses ?? ""));
  if (found.length !== 1)
    throw new Error(`expected exactly one step matching ${match}, found ${found.length}`);
  return found[0] as Step;
}

export function indexOfStep(jobDef: Job, match: RegExp): number {
  return jobDef.steps.findIndex((s) => match.test(s.name ?? s.id ?? s.uses ?? ""));
}

/** Every `run:` script of a job, joined: for "this job runs X" assertions. */
export function runText(jobDef: Job): string {
  return jobDef.steps.map((s) => s.run ?? "").join("\n");
}

/** Every `${{ secrets.X }}` name used in a piece of workflow text or object. */
export function secretsUsed(value: unknown): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return [...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string);
}
