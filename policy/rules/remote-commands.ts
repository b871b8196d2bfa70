import * as command from "@pulumi/command";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { z } from "zod";
import { ruleConfig } from "../lib/config";

const QUIET_LOGGING = ["stderr", "none"];

const secretLoggingConfig = ruleConfig("remote-command-no-secret-stdout-logging", {
  secretCommandMarkers: z
    .array(z.string().min(1))
    .default(["berth-agent deploy"])
    .describe(
      "Text in a remote.Command's create/update that marks it as receiving secrets on stdin (berth-agent deploy reads the app's environment there).",
    ),
});

export const remoteCommandNoSecretStdoutLogging: ResourceValidationPolicy = {
  name: "remote-command-no-secret-stdout-logging",
  description:
    "A remote.Command that secrets flow through (one running the deploy agent, which reads the app's " +
    'environment on stdin, or one passing environment variables) sets logging to "stderr" or ' +
    '"none": @pulumi/command logs stdout to the Pulumi console and service even when the values are ' +
    "secrets, so anything the host echoes would leak.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: secretLoggingConfig.configSchema,
  remediationSteps:
    'Set logging: "none" (or "stderr") and additionalSecretOutputs: ["stdout", "stderr"].',
  validateResource: validateResourceOfType(command.remote.Command, (cmd, args, reportViolation) => {
    // Logging is a plain input, known even in a preview; the command text may not be (it can
    // depend on an image digest), so it is only read when the logging setting is loud.
    const logging = cmd.logging ?? "stdoutAndStderr";
    if (QUIET_LOGGING.includes(logging)) return;
    const { secretCommandMarkers } = secretLoggingConfig.read(args);
    const script = `${cmd.create ?? ""}\n${cmd.update ?? ""}`;
    const runsAgent = secretCommandMarkers.some((marker) => script.includes(marker));
    const passesEnvironment = Object.keys(cmd.environment ?? {}).length > 0;
    if (!runsAgent && !passesEnvironment) {
      args.notApplicable("neither runs the deploy agent nor passes environment variables");
    }
    reportViolation(
      `logging is "${logging}${cmd.logging === undefined ? " (default)" : ""}" on a command that receives secrets; set it to "none" or "stderr".`,
    );
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
