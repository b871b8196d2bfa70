import * as pulumi from "@pulumi/pulumi";
import { SshEndpoint, deployerKeyFingerprint, waitForLogin } from "../sshLogin";

/**
 * How long a host may take to let the deployer in: on a first `up`, the instance's boot and
 * cloud-init's first steps, including the host key install's own retries (about 4 minutes).
 */
export const SSH_READY_TIMEOUT_SECONDS = 900;
/** Between two login attempts while a host boots. */
const ATTEMPT_INTERVAL_MS = 5000;

export interface SshReadyArgs {
  /** The host's name and login: address, port, user, the pinned host key line. */
  host: pulumi.Input<SshEndpoint>;
  /** The bastion hosts are reached through, or undefined. */
  bastion?: pulumi.Input<SshEndpoint>;
  /** The deployer's private key (a secret). */
  privateKey: pulumi.Input<string>;
  /**
   * Changes with every deploy of this host (its deploy's triggers), so each deploy proves the
   * login again right before it: a key that stopped working fails here in seconds, not in the
   * provider's dial retries.
   */
  deployTriggers: pulumi.Input<string>;
}

interface Inputs {
  host: SshEndpoint;
  bastion?: SshEndpoint;
  privateKey: string;
  deployTriggers: string;
}

/** What the state keeps: the key's fingerprint, never the key. */
interface Outputs {
  host: SshEndpoint;
  bastion?: SshEndpoint;
  deployerKey: string;
  deployTriggers: string;
}

async function prove(inputs: Inputs): Promise<Outputs> {
  await waitForLogin(inputs.host, inputs.privateKey, inputs.bastion, {
    timeoutMs: SSH_READY_TIMEOUT_SECONDS * 1000,
    intervalMs: ATTEMPT_INTERVAL_MS,
  });
  return {
    host: inputs.host,
    bastion: inputs.bastion,
    deployerKey: deployerKeyFingerprint(inputs.privateKey),
    deployTriggers: inputs.deployTriggers,
  };
}

/** Create and update log in (nothing is made on AWS); delete does nothing. */
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Inputs) {
    return { id: `${inputs.host.name}-ssh-ready`, outs: await prove(inputs) };
  },
  async diff(_id: string, olds: Outputs, news: Inputs) {
    const changed =
      JSON.stringify(olds.host) !== JSON.stringify(news.host) ||
      JSON.stringify(olds.bastion ?? null) !== JSON.stringify(news.bastion ?? null) ||
      olds.deployerKey !== deployerKeyFingerprint(news.privateKey) ||
      olds.deployTriggers !== news.deployTriggers;
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: Outputs, news: Inputs) {
    return { outs: await prove(news) };
  },
};

/**
 * A login, as a resource: done once the host (through the bastion, if any) proved its pinned host
 * key and accepted the deployer's key. The host's agent install and deploy depend on it, so a
 * host that refuses the key fails `up` in seconds with its name, user and the key's fingerprint,
 * while a booting host is waited for.
 */
export class SshReady extends pulumi.dynamic.Resource {
  constructor(name: string, args: SshReadyArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts, undefined, "SshReady");
  }
}
