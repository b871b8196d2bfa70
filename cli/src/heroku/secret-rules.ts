/**
 * Secret or plain: which config vars go into `berth:secretEnv` (encrypted, set through
 * `pulumi config set --secret`) and which into `berth:env` (plain, committed in
 * Pulumi.<stack>.yaml). The first rule that matches decides, and its text says why.
 */
export interface SecretDecision {
  secret: boolean;
  rule: string;
}

// A word of the name (split at _ and -) that names a credential.
const SECRET_WORDS = new Set([
  "KEY",
  "SECRET",
  "TOKEN",
  "PASSWORD",
  "PASSWD",
  "PASS",
  "PWD",
  "CREDENTIAL",
  "CREDENTIALS",
  "PRIVATE",
  "AUTH",
  "SALT",
  "DSN",
  "SIGNATURE",
  "CERT",
  "APIKEY",
]);
// scheme://user:password@host or scheme://:password@host (or a bare token as the user: https://TOKEN@host).
const URL_WITH_CREDENTIALS = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@\s]+@/;

export function classifyVar(
  name: string,
  value: string | undefined,
  appJson: { generator?: "secret" } | undefined,
): SecretDecision {
  if (appJson?.generator === "secret")
    return { secret: true, rule: 'app.json marks it generator: "secret"' };
  const word = name
    .toUpperCase()
    .split(/[_-]+/)
    .find((part) => SECRET_WORDS.has(part));
  if (word) return { secret: true, rule: `its name contains ${word}` };
  if (value !== undefined && URL_WITH_CREDENTIALS.test(value))
    return { secret: true, rule: "its value is a URL with credentials in it" };
  return { secret: false, rule: "no secret rule matched (name or value)" };
}
