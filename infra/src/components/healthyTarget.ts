import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import * as pulumi from "@pulumi/pulumi";
import { TargetReading, waitUntilHealthy } from "../targetHealth";

/**
 * How long one host may take to pass the ALB's health checks: on a first `up` that is its boot,
 * cloud-init and its first release (each step of which may take up to the release's 20 minutes
 * in the worst case); after a stop and start, its containers coming back.
 */
export const HEALTHY_TIMEOUT_SECONDS = 1500;
/** Between two DescribeTargetHealth calls (the health check runs every 5 s). */
const POLL_INTERVAL_MS = 3000;

export interface HealthyTargetArgs {
  /** The region of the target group (the AWS SDK's default credentials do the rest). */
  region: pulumi.Input<string>;
  targetGroupArn: pulumi.Input<string>;
  /** The host's instance id and the port it is registered on. */
  instanceId: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** Part of the inputs so that a changed type (a stop and start) makes the wait run again. */
  instanceType: pulumi.Input<string>;
  /** The host's name, for messages. */
  host: string;
}

interface Inputs {
  region: string;
  targetGroupArn: string;
  instanceId: string;
  port: number;
  instanceType: string;
  host: string;
}

async function waitHealthy(inputs: Inputs): Promise<void> {
  const client = new ElasticLoadBalancingV2Client({ region: inputs.region });
  const read = async (): Promise<TargetReading> => {
    const out = await client.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: inputs.targetGroupArn,
        Targets: [{ Id: inputs.instanceId, Port: inputs.port }],
      }),
    );
    const health = out.TargetHealthDescriptions?.[0]?.TargetHealth;
    return { state: health?.State, reason: health?.Reason };
  };
  await waitUntilHealthy(`${inputs.host} (${inputs.instanceId})`, read, {
    timeoutMs: HEALTHY_TIMEOUT_SECONDS * 1000,
    intervalMs: POLL_INTERVAL_MS,
  });
}

/**
 * Create and update wait (no AWS resource is made); delete does nothing. Any change of input is an
 * update, so the wait runs again after the host's instance changed (a new id or type).
 */
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Inputs) {
    await waitHealthy(inputs);
    return { id: `${inputs.targetGroupArn}/${inputs.instanceId}`, outs: inputs };
  },
  async diff(_id: string, olds: Inputs, news: Inputs) {
    const keys = Object.keys(news) as (keyof Inputs)[];
    const changes = keys.filter((k) => olds[k] !== news[k]);
    return { changes: changes.length > 0, replaces: [], deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: Inputs, news: Inputs) {
    await waitHealthy(news);
    return { outs: news };
  },
};

/**
 * A wait, as a resource: done once the host's target is healthy behind the ALB. The next host's
 * instance depends on it, so a change that stops instances (an instance type) takes one host out
 * at a time and the next only once this one serves again. It does not depend on the host's
 * release (it waits while the release runs): else every release would wait on the host before,
 * through the next host's instance, and batches of hosts would no longer roll together.
 */
export class HealthyTarget extends pulumi.dynamic.Resource {
  constructor(name: string, args: HealthyTargetArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts, undefined, "HealthyTarget");
  }
}
