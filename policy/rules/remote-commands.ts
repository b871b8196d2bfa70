import * as command from "@pulumi/command";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";

const QUIET_LOGGING = ["stderr", "none"];

export const remoteCommandNoSecretStdoutLogging: ResourceValidationPolicy = {
  name: "remote-command-no-secret-stdout-logging",
  description:
    "A remote.Command that passes stdin or environment variables (where the release's env and registry " +
    'login flow) sets logging to "stderr" or "none": @pulumi/command logs stdout to the Pulumi console ' +
    "and service even when the values are secrets, so anything the host echoes would leak.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: 'Set logging: "stderr" (or "none") and additionalSecretOutputs: ["stdout"].',
  validateResource: validateResourceOfType(command.remote.Command, (cmd, args, reportViolation) => {
    const carriesInput =
      (cmd.stdin !== undefined && cmd.stdin !== "") ||
      Object.keys(cmd.environment ?? {}).length > 0;
    if (!carriesInput) args.notApplicable("passes neither stdin nor environment");
    const logging = cmd.logging ?? "stdoutAndStderr";
    if (!QUIET_LOGGING.includes(logging)) {
      reportViolation(
        `logging is "${logging}${cmd.logging === undefined ? " (default)" : ""}" on a command that receives stdin/environment; set it to "stderr" or "none".`,
      );
    }
  }),
};

export const remoteCommandNotRoot: ResourceValidationPolicy = {
  name: "remote-command-not-root",
  description:
    "remote.Command connections name a non-root SSH user (connection.user, and proxy.user for a bastion): " +
    "the user defaults to root, which only works where sshd permits root login. The deploy user gets " +
    "exactly the sudo rule it needs instead.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: 'Set connection.user to the AMI\'s login user (e.g. "admin" on Debian).',
  validateResource: validateResourceOfType(
    command.remote.Command,
    (cmd, _args, reportViolation) => {
      const user = cmd.connection?.user;
      if (user === undefined || user === "" || user === "root") {
        reportViolation(
          `connection.user is ${user ? `"${user}"` : "unset (defaults to root)"}; connect as a non-root user.`,
        );
      }
      const proxy = cmd.connection?.proxy;
      if (proxy && (proxy.user === undefined || proxy.user === "" || proxy.user === "root")) {
        reportViolation(
          `connection.proxy.user is ${proxy.user ? `"${proxy.user}"` : "unset (defaults to root)"}; connect to the bastion as a non-root user.`,
        );
      }
    },
  ),
};

export const remoteCommandPinsHostKey: ResourceValidationPolicy = {
  name: "remote-command-pins-host-key",
  description:
    "remote.Command connections pin the host's SSH key (connection.hostKey, and proxy.hostKey): without " +
    "it the key is not checked and a man in the middle could receive the release's secrets. Advisory: " +
    "a freshly created instance's key is only known after boot, so pinning needs the key from the console " +
    "output or a key generated ahead of time.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps:
    "Generate the host key ahead (cloud-init ssh_keys) and pass its public half as hostKey.",
  validateResource: validateResourceOfType(
    command.remote.Command,
    (cmd, _args, reportViolation) => {
      if (!cmd.connection?.hostKey) {
        reportViolation("connection.hostKey is unset, so the host's SSH key is not verified.");
      }
      const proxy = cmd.connection?.proxy;
      if (proxy && !proxy.hostKey) {
        reportViolation(
          "connection.proxy.hostKey is unset, so the bastion's SSH key is not verified.",
        );
      }
    },
  ),
};

const dialConfig = ruleConfig("remote-command-dial-retries", {
  minDialErrorLimit: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe("Smallest allowed connection.dialErrorLimit (the provider default is 10)."),
});

export const remoteCommandDialRetries: ResourceValidationPolicy = {
  name: "remote-command-dial-retries",
  description:
    "remote.Command connections allow enough SSH dial attempts for a new instance to boot " +
    "(dialErrorLimit at least minDialErrorLimit, default 20) and never unlimited (-1), which could hang " +
    "`pulumi up`. Advisory: a reliability setting, not a security one.",
  enforcementLevel: "advisory",
  severity: "low",
  configSchema: dialConfig.configSchema,
  validateResource: validateResourceOfType(command.remote.Command, (cmd, args, reportViolation) => {
    const { minDialErrorLimit } = dialConfig.read(args);
    const limit = cmd.connection?.dialErrorLimit;
    if (limit === -1) {
      reportViolation(
        "connection.dialErrorLimit is -1 (retry forever); a host that never boots would hang the update.",
      );
    } else if (limit === undefined || limit < minDialErrorLimit) {
      reportViolation(
        `connection.dialErrorLimit is ${limit ?? "unset (10)"}; allow at least ${minDialErrorLimit} so a booting host is not given up on.`,
      );
    }
  }),
};
