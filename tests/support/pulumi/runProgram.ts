/**
 * Runs the berth Pulumi program for one stack under mocks, the way `pulumi up -s <stack>` would
 * run it against AWS, and returns everything it registered. Used by the unit tests, the policy
 * tests and the offline preview.
 *
 *   const run = await runProgram({ stack: "prod" });
 *   run.resources            // every resource: type, name, urn, parent, inputs, options
 *   run.ofType("aws:ec2/instance:Instance")
 *   run.outputs.url          // stack outputs, secrets unwrapped; run.secretOutputPaths says which
 *
 * Config comes from the real `Pulumi.<stack>.yaml` at the repository root, then
 * `configOverrides` (full keys like "berth:hosts"; objects are JSON-encoded as the Pulumi CLI
 * does; `undefined` removes a key) and `secretConfig` (set and marked secret, like
 * `pulumi config set --secret`). The secrets a developer sets with `pulumi config set --secret`
 * cannot be committed, so unless given they are filled with test values: berth:sshPrivateKey
 * (a generated ed25519 key) and berth:secretEnv ({ DATABASE_URL: TEST_DATABASE_URL }). The
 * program refuses a private key that is not berth:ssh.publicKey's pair, so with the test key
 * berth:ssh.publicKey becomes its public line.
 *
 * Runs are serialised (the Pulumi runtime is process-global); each one starts from fresh mocks
 * and config, so several stacks can run in one mocha process.
 */
import { ed25519KeyPair } from "../ssh-key-pair";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { createBerthStack } from "../../../infra/src/program";
import { publicKeyBlobOf } from "../../../infra/src/sshKeys";
import { AwsLikeMocks } from "./mocks";
import { pulumi } from "./sdk";
import { unwrapSecrets } from "./secrets";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The secret app value the tests inject; it must never appear in plain text anywhere. */
export const TEST_DATABASE_URL = "postgres://shop:mock-db-password-7f3a91@db.internal:5432/shop";

export interface RegisteredResource {
  /** Pulumi type token, e.g. "aws:ec2/instance:Instance". */
  type: string;
  /** Logical name. */
  name: string;
  urn: string;
  /** The parent's URN (the stack's for top-level components). */
  parent: string;
  custom: boolean;
  /** The id the mock gave it (custom resources). */
  id: string;
  /** The inputs the program passed, secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Paths into `inputs` that were Pulumi secrets, e.g. "stdin", "connection". */
  secretInputPaths: string[];
  /** The state the mock returned (inputs plus provider-computed outputs), secrets unwrapped. */
  state: Record<string, unknown>;
  /** URNs this resource depends on (explicit dependsOn and the resources its inputs came from). */
  dependencies: string[];
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  deleteBeforeReplace: boolean;
  customTimeouts: { create?: string; update?: string; delete?: string } | undefined;
}

export interface ProgramRun {
  stack: string;
  /** The config the program saw (full keys, values as the CLI passes them: strings). */
  config: Record<string, string>;
  secretKeys: string[];
  resources: RegisteredResource[];
  /** Stack outputs, secrets unwrapped. */
  outputs: Record<string, unknown>;
  /** Paths into `outputs` that are secret. */
  secretOutputPaths: string[];
  /** Invokes (data sources) the program made. */
  calls: { token: string; inputs: Record<string, unknown> }[];
  /** Resources of one type. */
  ofType(type: string): RegisteredResource[];
  /** The one resource with this type and logical name; throws when missing. */
  get(type: string, name: string): RegisteredResource;
}

export interface RunProgramOptions {
  /** The stack: its `Pulumi.<stack>.yaml` is read. */
  stack: string;
  /** Replaces keys of the stack's config; `undefined` removes a key. */
  configOverrides?: Record<string, unknown>;
  /** Sets keys as secrets (like `pulumi config set --secret`). */
  secretConfig?: Record<string, unknown>;
  /** Do not fill in the test SSH key and secret env. */
  withoutDefaultSecrets?: boolean;
  /** Run as `pulumi preview` (isDryRun() true). */
  preview?: boolean;
  /** Read the config of this stack's `Pulumi.<configFrom>.yaml` instead of `stack`'s own. */
  configFrom?: string;
  /**
   * Run every `command:remote:Command` for real instead of mocking its output: called with the
   * resource's name and unwrapped inputs when the engine would create it (after everything it
   * depends on), its stdout/stderr become the resource's outputs, and a rejection fails the
   * resource as a failed command fails it under the real provider. The fleet tests use this to
   * execute the program's own `Release` against the local fleet.
   */
  /**
   * Runs this instead of the berth program (with the same config, mocks and recording): for
   * tests of one component under the engine's rules. Returns the stack outputs.
   */
  program?: () => Record<string, unknown>;
  executeRemoteCommand?: (
    name: string,
    inputs: Record<string, unknown>,
    registered: RegisteredSoFar,
  ) => Promise<{ stdout: string; stderr: string }>;
  /**
   * Run the dynamic resources of these types for real (`pulumi-nodejs:dynamic:SshReady`, ...):
   * called with the type, name and unwrapped inputs (the serialized provider in `__provider`, see
   * dynamicProvider.ts) when the engine would create it; what it returns joins the resource's
   * state, and a rejection fails the resource.
   */
  executeDynamicResource?: {
    types: string[];
    run: (
      type: string,
      name: string,
      inputs: Record<string, unknown>,
      registered: RegisteredSoFar,
    ) => Promise<Record<string, unknown>>;
  };
  /** The same for every `command:local:Command` (the image copies). */
  executeLocalCommand?: (
    name: string,
    inputs: Record<string, unknown>,
  ) => Promise<{ stdout: string; stderr: string }>;
  /**
   * The registry the mocked ECR repositories live in (`<server>/<name>`), instead of an
   * `<account>.dkr.ecr.<region>.amazonaws.com` that does not exist: the fleet's prod registry.
   */
  registryServer?: string;
}

/** What the program has registered before a resource: type, name and mocked state. */
export type RegisteredSoFar = { type: string; name: string; state: Record<string, unknown> }[];

let testPrivateKey: string | undefined;
/** An ed25519 private key in OpenSSH form (what ssh-keygen writes), generated once per process. */
export function testSshPrivateKey(): string {
  testPrivateKey ??= ed25519KeyPair().private;
  return testPrivateKey;
}

/** The public line of {@link testSshPrivateKey}, as berth:ssh.publicKey must hold it. */
export function testSshPublicKey(): string {
  return `ssh-ed25519 ${publicKeyBlobOf(testSshPrivateKey()).toString("base64")} test@berth`;
}

/** A decoded `berth:ssh` value with its publicKey replaced by the test key's. */
export function withTestPublicKey(ssh: unknown): Record<string, unknown> {
  return { ...(ssh as Record<string, unknown>), publicKey: testSshPublicKey() };
}

function encode(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** A stack's config from its Pulumi.<stack>.yaml, as the CLI hands it to the program. */
export function readStackConfig(stack: string): Record<string, string> {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  const doc = parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (JSON.stringify(value).includes('"secure"'))
      throw new Error(
        `${file}: ${key} is encrypted (secure:); pass a test value in secretConfig instead`,
      );
    config[key] = encode(value);
  }
  return config;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletebeforereplace(): boolean;
  getCustomtimeouts():
    { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}
interface MockMonitorLike {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
  getRegisteredResources(): Map<string, { urn: string; id: string | null; state: unknown }>;
}
type RequestRecord = Omit<
  RegisteredResource,
  "urn" | "id" | "inputs" | "secretInputPaths" | "state"
>;

/** Mock state is either serialized properties or (after registerOutputs) a protobuf Struct. */
function deserialize(state: unknown): Record<string, unknown> {
  const struct =
    typeof (state as { toJavaScript?: unknown } | undefined)?.toJavaScript === "function"
      ? state
      : { toJavaScript: () => state ?? {} };
  return pulumi.runtime.deserializeProperties(struct as never);
}

const defaultRuns = new Map<string, Promise<ProgramRun>>();

/**
 * The run of a stack with its committed config and the default test secrets, made once per
 * process and shared by every test file that only reads it (treat the result as read-only).
 */
export function runStackOnce(stack: string): Promise<ProgramRun> {
  let run = defaultRuns.get(stack);
  if (!run) {
    run = runProgram({ stack });
    defaultRuns.set(stack, run);
  }
  return run;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs the program for `options.stack` under mocks; see the file comment. */
export function runProgram(options: RunProgramOptions): Promise<ProgramRun> {
  const run = queue.then(() => runProgramNow(options));
  queue = run.catch(() => undefined);
  return run;
}

async function runProgramNow(options: RunProgramOptions): Promise<ProgramRun> {
  const config = readStackConfig(options.configFrom ?? options.stack);
  const secretKeys = new Set<string>();
  if (!options.withoutDefaultSecrets) {
    config["berth:sshPrivateKey"] = testSshPrivateKey();
    config["berth:secretEnv"] = JSON.stringify({ DATABASE_URL: TEST_DATABASE_URL });
    secretKeys.add("berth:sshPrivateKey").add("berth:secretEnv");
  }
  for (const [key, value] of Object.entries(options.configOverrides ?? {})) {
    if (value === undefined) delete config[key];
    else config[key] = encode(value);
  }
  for (const [key, value] of Object.entries(options.secretConfig ?? {})) {
    config[key] = encode(value);
    secretKeys.add(key);
  }
  if (config["berth:sshPrivateKey"] === testSshPrivateKey() && config["berth:ssh"])
    config["berth:ssh"] = encode(withTestPublicKey(JSON.parse(config["berth:ssh"])));

  const mocks = new AwsLikeMocks(config["aws:region"] ?? "us-east-1", options.registryServer);
  await pulumi.runtime.setMocks(mocks, "berth", options.stack, options.preview ?? false);
  pulumi.runtime.setAllConfig(config, [...secretKeys]);

  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const requests = new Map<string, RequestRecord>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const timeouts = req.getCustomtimeouts();
    requests.set(`${req.getType()}::${req.getName()}`, {
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      custom: req.getCustom(),
      dependencies: req.getDependenciesList(),
      ignoreChanges: req.getIgnorechangesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      customTimeouts: timeouts
        ? {
            create: timeouts.getCreate(),
            update: timeouts.getUpdate(),
            delete: timeouts.getDelete(),
          }
        : undefined,
    });
    return register(req, callback);
  };

  const inputsByKey = new Map<string, Record<string, unknown>>();
  const newResource = mocks.newResource.bind(mocks);
  const registeredSoFar: RegisteredSoFar = [];
  const execute = options.executeRemoteCommand;
  // Widened to the Mocks interface, whose newResource may answer asynchronously.
  (mocks as pulumi.runtime.Mocks).newResource = (args) => {
    inputsByKey.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
    const mocked = newResource(args);
    registeredSoFar.push({
      type: args.type,
      name: args.name,
      state: unwrapSecrets(mocked.state).value as Record<string, unknown>,
    });
    const inputs = unwrapSecrets(args.inputs).value as Record<string, unknown>;
    if (options.executeLocalCommand && args.type === "command:local:Command")
      return options.executeLocalCommand(args.name, inputs).then(({ stdout, stderr }) => ({
        id: mocked.id,
        state: { ...mocked.state, stdout, stderr },
      }));
    const dynamic = options.executeDynamicResource;
    if (dynamic?.types.includes(args.type))
      return dynamic.run(args.type, args.name, inputs, registeredSoFar).then((outs) => ({
        id: mocked.id,
        state: { ...mocked.state, ...outs },
      }));
    if (!execute || args.type !== "command:remote:Command") return mocked;
    return execute(args.name, inputs, registeredSoFar).then(({ stdout, stderr }) => ({
      id: mocked.id,
      state: { ...mocked.state, stdout, stderr },
    }));
  };

  const outputs =
    (await pulumi.runtime.runInPulumiStack(async () =>
      options.program ? options.program() : createBerthStack(),
    )) ?? {};
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> })
    .waitForRPCs;
  await waitForRPCs?.();

  const registered = monitor.getRegisteredResources();
  const resources: RegisteredResource[] = [];
  let stackOutputs: unknown = {};
  for (const entry of registered.values()) {
    const [, , qualifiedType = "", name = ""] = entry.urn.split("::");
    const type = qualifiedType.split("$").pop() ?? "";
    if (type === "pulumi:pulumi:Stack") {
      stackOutputs = deserialize(entry.state);
      continue;
    }
    const key = `${type}::${name}`;
    const request = requests.get(key);
    const rawInputs = inputsByKey.get(key) ?? {};
    const { value: inputs, secretPaths } = unwrapSecrets(rawInputs);
    const state = unwrapSecrets(deserialize(entry.state)).value;
    resources.push({
      type,
      name,
      urn: entry.urn,
      parent: request?.parent ?? "",
      custom: request?.custom ?? true,
      id: entry.id ?? "",
      inputs: inputs as Record<string, unknown>,
      secretInputPaths: secretPaths,
      state: state as Record<string, unknown>,
      dependencies: request?.dependencies ?? [],
      ignoreChanges: request?.ignoreChanges ?? [],
      additionalSecretOutputs: request?.additionalSecretOutputs ?? [],
      deleteBeforeReplace: request?.deleteBeforeReplace ?? false,
      customTimeouts: request?.customTimeouts,
    });
  }
  // Components have no mock call: record them from the monitor request.
  for (const request of requests.values()) {
    if (request.custom || resources.some((r) => r.type === request.type && r.name === request.name))
      continue;
    if (request.type === "pulumi:pulumi:Stack") continue;
    resources.push({ ...request, urn: "", id: "", inputs: {}, secretInputPaths: [], state: {} });
  }

  const { secretPaths: secretOutputPaths } = unwrapSecrets(stackOutputs);
  return {
    stack: options.stack,
    config,
    secretKeys: [...secretKeys],
    resources,
    outputs: outputs as Record<string, unknown>,
    secretOutputPaths,
    calls: mocks.calls,
    ofType: (type) => resources.filter((r) => r.type === type),
    get: (type, name) => {
      const found = resources.find((r) => r.type === type && r.name === name);
      if (!found) throw new Error(`no ${type} named ${name} in the ${options.stack} run`);
      return found;
    },
  };
}

/** The config hash key the program's Release made (its one RandomBytes), as the mocks gave it. */
export function configHashKeyOf(run: ProgramRun): string {
  const [key, ...more] = run.ofType("random:index/randomBytes:RandomBytes");
  if (!key || more.length > 0)
    throw new Error("expected exactly one RandomBytes (the config hash key)");
  return String(key.state.hex);
}
