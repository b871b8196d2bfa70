/**
 * A throwaway ed25519 key pair for one acceptance run: the public half goes into
 * `berth:ssh.publicKey`, the private half into the secret `berth:sshPrivateKey`. It lives only in
 * this process and in the (encrypted) stack config, which is removed with the stack.
 */
import { ed25519KeyPair } from "../support/ssh-key-pair";

export interface SshKeyPair {
  /** `ssh-ed25519 AAAA... <comment>`: an OpenSSH authorized_keys line. */
  publicKey: string;
  /** OpenSSH form (`BEGIN OPENSSH PRIVATE KEY`), which ssh, ssh2 and the SSH provider all read. */
  privateKey: string;
}

export function ephemeralKeyPair(comment: string): SshKeyPair {
  const pair = ed25519KeyPair(comment);
  return { publicKey: pair.public.trim(), privateKey: pair.private };
}
