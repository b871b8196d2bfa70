import { decodeConfigValue } from "../../../infra/src/config";
import {
  readStackConfig,
  testSshPrivateKey,
  TEST_DATABASE_URL,
  withTestPublicKey,
} from "./runProgram";

/**
 * A stack's raw config as parseStackConfig takes it (structured values decoded), with the test
 * secrets filled in (and berth:ssh.publicKey made the test key's pair): for config tests that need
 * no Pulumi runtime.
 */
export function rawStackConfig(stack: string): Record<string, unknown> {
  const raw: Record<string, unknown> = Object.fromEntries(
    Object.entries(readStackConfig(stack)).map(([k, v]) => [k, decodeConfigValue(v)]),
  );
  raw["berth:sshPrivateKey"] = testSshPrivateKey();
  raw["berth:ssh"] = withTestPublicKey(raw["berth:ssh"]);
  raw["berth:secretEnv"] = { DATABASE_URL: TEST_DATABASE_URL };
  return raw;
}
