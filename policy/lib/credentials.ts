/** Text that is a credential wherever it appears (user data, a command's stdin). */
export const CREDENTIAL_PATTERNS: { what: string; pattern: RegExp }[] = [
  { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "an AWS secret access key assignment", pattern: /aws_secret_access_key\s*[=:]/i },
  { what: "a private key", pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/ },
  { what: "a registry password flag", pattern: /docker\s+login\b[^\n]*\s(?:-p|--password)[\s=]\S/ },
];

/**
 * A value assigned to a secret-sounding name: `DB_PASSWORD=...`, `"apiToken": ...`,
 * `secret_key: ...`. Used where secrets are expected to travel (stdin), not in user data.
 */
const SECRET_ASSIGNMENT = {
  what: "a secret-named value",
  pattern:
    /\b\w*(?:password|passwd|secret|token|api_?key|private_?key|credentials?|database_url)\w*["']?\s*[:=]/i,
};

/** What kinds of credential `text` holds ("an AWS access key id", ...); [] when none. */
export function credentialFindings(text: string): string[] {
  return CREDENTIAL_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(({ what }) => what);
}

/** Like credentialFindings, and also secret-named assignments (for stdin and the like). */
export function secretFindings(text: string): string[] {
  return [...CREDENTIAL_PATTERNS, SECRET_ASSIGNMENT]
    .filter(({ pattern }) => pattern.test(text))
    .map(({ what }) => what);
}
