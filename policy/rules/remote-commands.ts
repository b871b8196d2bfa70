import * as command from "@pulumi/command";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";
import { z } from "zod";
import { ruleConfig } from "../lib/config";
import { secretFindings } from "../lib/credentials";

/** The outputs that carry what the command printed; both must be stored encrypted. */
const PRINTED_OUTPUTS = ["stdout", "stderr"];

const secretLoggingConfig = ruleConfig("remote-command-no-secret-stdout-logging", {
  secretCommandMarkers: z
    .array(z.string().min(1))
    .default(["berth-agent deploy"])
    .describe(
      "Text in a remote.Command's create/update/delete that marks it as receiving secrets on stdin (berth-agent deploy reads the app's environment there).",
    ),
});

/**
 * Why a command is taken to receive secrets (the policy sees secret values unwrapped, so it
 * judges by what the command runs and what it is given): [] when nothing suggests it.
 */
function secretChannels(cmd: Unwrap<command.remote.CommandArgs>, markers: string[]): string[] {
  const channels: string[] = [];
  const script = [cmd.create, cmd.update, cmd.delete]
    .filter((s) => typeof s === "string")
    .join("\n");
  const marker = markers.find((m) => script.includes(m));
  if (marker) channels.push(`it runs "${marker}"`);
  const variables = Object.keys(cmd.environment ?? {});
  if (variables.length > 0) channels.push(`environment ${variables.join(", ")}`);
  const stdin = typeof cmd.stdin === "string" ? cmd.stdin : "";
  const findings = secretFindings(stdin);
  if (findings.length > 0) channels.push(`stdin holds ${findings.join(", ")}`);
  return channels;
}

export const remoteCommandNoSecretStdoutLogging: ResourceValidationPolicy = {
  name: "remote-command-no-secret-stdout-logging",
  description:
    "A remote.Command that secrets flow through (one running the deploy agent, which reads the app's " +
    "environment on stdin; one passing environment variables; one whose stdin holds a key, a password " +
    'or a secret-named value) sets logging to "none" and lists stdout and stderr in the ' +
    "additionalSecretOutputs resource option: @pulumi/command prints what the logging setting names " +
    '("stdout", "stderr", "stdoutAndStderr") to the Pulumi console and service even when the values ' +
    "are secrets, and stores stdout and stderr in the state in plain text unless they are marked secret.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: secretLoggingConfig.configSchema,
  remediationSteps:
    'Set logging: "none" and, in the resource options, additionalSecretOutputs: ["stdout", "stderr"].',
  validateResource: validateResourceOfType(command.remote.Command, (cmd, args, reportViolation) => {
    // logging and the resource options are plain, known even in a preview; the command text and
    // stdin may not be (they can depend on an image digest), so they are read only when the
    // command is not already locked down.
    const logging = cmd.logging ?? "stdoutAndStderr";
    const secretOutputs = args.opts.additionalSecretOutputs ?? [];
    const missing = PRINTED_OUTPUTS.filter((output) => !secretOutputs.includes(output));
    if (logging === "none" && missing.length === 0) return;
    const { secretCommandMarkers } = secretLoggingConfig.read(args);
    const channels = secretChannels(cmd, secretCommandMarkers);
    if (channels.length === 0) {
      args.notApplicable(
        "runs no secretCommandMarker, passes no environment and its stdin holds nothing secret-looking",
      );
    }
    const because = `a command that receives secrets (${channels.join("; ")})`;
    if (logging !== "none") {
      reportViolation(
        `logging is "${logging}${cmd.logging === undefined ? " (default)" : ""}" on ${because}; set logging: "none" (stdout and stderr both reach the Pulumi console).`,
      );
    }
    if (missing.length > 0) {
      reportViolation(
        `additionalSecretOutputs lacks ${missing.map((o) => `"${o}"`).join(" and ")} on ${because}; add ["stdout", "stderr"] to the resource options so they are encrypted in the state.`,
      );
    }
  }),
};

export const remoteCommandNotRoot: ResourceValidationPolicy = {
  name: "remote-command-not-root",
  description:
    "remote.Command connections name a non-root SSH user (connection.user, and proxy.user for a bastion): " +
    "the user defaults to root, which only works where sshd permits root login. The deploy user gets " +
    "exactly the sudo rights it needs instead.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set connection.user to the AMI's login user (ec2-user on Amazon Linux).",
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
    "a new instance's key is only known after it boots, so pinning needs a key generated ahead of " +
    "time or read from the console output.",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps: "Pass the host's public key as connection.hostKey once it is known.",
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

const dialConfig = ruleConfig("remote-command-dial-bounded", {
  minDialErrorLimit: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe("Smallest allowed finite connection.dialErrorLimit (the provider default is 10)."),
});

export const remoteCommandDialBounded: ResourceValidationPolicy = {
  name: "remote-command-dial-bounded",
  description:
    "remote.Command connections wait long enough for a new instance's sshd, and not forever: either " +
    "dialErrorLimit is at least minDialErrorLimit (default 20; the provider default of 10 can run out " +
    "while the host boots), or it is -1 (retry without limit) and the resource sets create and update " +
    "custom timeouts that bound the wait. Advisory: a reliability setting, not a security one.",
  enforcementLevel: "advisory",
  severity: "low",
  configSchema: dialConfig.configSchema,
  validateResource: validateResourceOfType(command.remote.Command, (cmd, args, reportViolation) => {
    const { minDialErrorLimit } = dialConfig.read(args);
    const limit = cmd.connection?.dialErrorLimit;
    if (limit === -1) {
      const { createSeconds, updateSeconds } = args.opts.customTimeouts;
      if (!(createSeconds > 0) || !(updateSeconds > 0)) {
        reportViolation(
          "connection.dialErrorLimit is -1 (retry forever) without customTimeouts.create and .update; a host that never boots would hang the update.",
        );
      }
    } else if (limit === undefined || limit < minDialErrorLimit) {
      reportViolation(
        `connection.dialErrorLimit is ${limit ?? "unset (10)"}; allow at least ${minDialErrorLimit} so a booting host is not given up on.`,
      );
    }
  }),
};
