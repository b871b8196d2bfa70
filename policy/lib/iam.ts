/** A statement of an IAM policy document, as far as the rules read it. */
export interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: string | Record<string, string | string[]>;
  Condition?: Record<string, unknown>;
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The statements of a policy document given as JSON text or as an object (aws.iam.PolicyDocument).
 * Throws with the parse error when the text is not JSON: a rule must not pass what it cannot read.
 */
export function statementsOf(document: unknown): Statement[] {
  const doc = (typeof document === "string" ? JSON.parse(document) : document) as {
    Statement?: Statement | Statement[];
  };
  return asList(doc?.Statement);
}

export function isAllow(statement: Statement): boolean {
  return (statement.Effect ?? "Allow") === "Allow";
}

/** Wildcards IAM.1/IAM.21 forbid: "*" and "<service>:*". Narrower patterns (s3:Get*) are fine. */
export function wildcardActions(statement: Statement): string[] {
  return asList(statement.Action).filter(
    (action) => action === "*" || /^[a-z0-9-]+:\*$/i.test(action),
  );
}

export function notActions(statement: Statement): string[] {
  return asList(statement.NotAction);
}

/** True when the statement lets any AWS principal in, with no condition narrowing it. */
export function allowsAnyPrincipal(statement: Statement): boolean {
  if (!isAllow(statement) || statement.Condition) return false;
  const principal = statement.Principal;
  if (principal === "*") return true;
  if (principal && typeof principal === "object") {
    return asList(principal.AWS).includes("*");
  }
  return false;
}

export function describeStatement(statement: Statement, index: number): string {
  return statement.Sid ? `statement "${statement.Sid}"` : `statement #${index + 1}`;
}
