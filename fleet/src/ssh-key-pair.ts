import { utils as sshUtils } from "ssh2";

/**
 * An ed25519 key pair in OpenSSH format from ssh2's generator, redrawn until ssh2 can read it back:
 * ssh2 1.17 writes about 1 key in 270 with its public key cut short (a leading zero byte dropped),
 * which it then refuses as "Malformed OpenSSH private key" (seen: 11 of 3000).
 */
export function ed25519KeyPair(comment?: string): { private: string; public: string } {
  for (;;) {
    const pair = sshUtils.generateKeyPairSync("ed25519", comment ? { comment } : undefined);
    if (!(sshUtils.parseKey(pair.private) instanceof Error)) return pair;
  }
}
