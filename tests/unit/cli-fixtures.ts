import { Target } from "../../cli/src/targets";

/** An AWS stack's target with four hosts, as the CLI tests' fake runners answer for it. */
export const AWS_TARGET: Target = {
  stack: "prod",
  kind: "aws",
  app: "shop",
  agentStack: "prod",
  hosts: ["host-1", "host-2", "host-3", "host-4"].map((name, i) => ({
    name,
    address: `10.0.0.${i + 1}`,
    port: 22,
    user: "ec2-user",
  })),
  access: { knownHostsFile: "/k", strictHostKeyChecking: "accept-new" },
};
