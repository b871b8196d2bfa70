import { decodeConfigValue } from "../../../infra/src/config";
import { readStackConfig, testSshPrivateKey, TEST_DATABASE_URL } from "./runProgram";

/**
 * A stack's raw config as parseStackConfig takes it (structured values decoded), with the test
 * secrets filled in: for config tests that need no Pulumi runtime.
 */
export function rawStackConfig(stack: string): Record<string, unknown> {
  const raw: Record<string, unknown> = Object.fromEntries(
    Object.entries(readStackConfig(stack)).map(([k, v]) => [k, decodeConfigValue(v)]),
  );
  raw["berth:sshPrivateKey"] = testSshPrivateKey();
  raw["berth:secretEnv"] = { DATABASE_URL: TEST_DATABASE_URL };
  return raw;
}
