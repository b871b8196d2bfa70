import { AppJson } from "./app-json";
import { ProcessType } from "./procfile";

/** The three things a Heroku app leaves with; each is optional, at least one is given. */
export interface HerokuInputs {
  processes?: ProcessType[];
  appJson?: AppJson;
  /** `heroku config --json`, in its order. */
  config?: Map<string, string>;
  /** File names as the operator gave them, for messages and the printed commands. */
  files: { procfile?: string; appJson?: string; config?: string };
}

/** Where a secret's value comes from when it is set. */
export type SecretSource =
  | { from: "config"; file: string }
  | { from: "app.json"; file: string }
  /** app.json's `generator: "secret"` and no value anywhere: a new random value. */
  | { from: "generate" };

export interface SecretVar {
  name: string;
  /** Undefined only for a value to generate. Never printed. */
  value?: string;
  source: SecretSource;
  rule: string;
}

/** What happened to one config var, and the rule that decided it. */
export interface Decision {
  name: string;
  to: "env" | "secretEnv" | "database" | "not copied";
  rule: string;
}

/** Something berth cannot carry across, and what to do instead. */
export interface CannotMap {
  what: string;
  why: string;
  instead: string;
}

/** The berth settings the import decides; undefined fields leave the stack's value alone. */
export interface StackSettings {
  webCommand?: string[];
  /** null: no release command (the Procfile has no release type). */
  releaseCommand?: string[] | null;
  /** count 0: no worker (the Procfile has no worker type). */
  worker?: { command?: string[]; count: number };
  hosts?: { count?: number; instanceType?: string };
  env: Record<string, string>;
  /** `berth:database: {}`: berth creates the database and sets DATABASE_URL itself. */
  database: boolean;
}

export interface ImportPlan {
  settings: StackSettings;
  secrets: SecretVar[];
  decisions: Decision[];
  cannotMap: CannotMap[];
  /** How a mapped value was derived, when it is not one-to-one. */
  notes: string[];
}
