/**
 * Runs CrossGuard rules the way the Pulumi analyzer does (see @pulumi/policy's server.js), without
 * the engine: builds the `args` a rule receives, collects every reportViolation call, and turns
 * `args.notApplicable(...)` into a result instead of an exception.
 */
import type {
  EnforcementLevel,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  Resource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  Unwrap,
} from "../../../policy/testing";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** A resource as a rule sees it: inputs for resource rules, outputs for stack rules. */
export interface FakeResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  opts: PolicyResourceOptions;
  provider?: PolicyProviderResource;
  /** URNs this resource depends on (dependsOn and inputs). */
  dependencies: string[];
  /** Per input property, the URNs it came from. */
  propertyDependencies: Record<string, string[]>;
}

type ResourceClass<TArgs> = { new (name: string, args: TArgs, ...rest: never[]): Resource };

/** The `aws:ec2/instance:Instance` style token of a generated resource class. */
export function typeTokenOf(resourceClass: unknown): string {
  const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token !== "string") throw new Error("resource class has no __pulumiType");
  return token;
}

export function urnOf(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::berth::${type}::${name}`;
}

export interface FixtureOptions {
  /** Stack name in the URN; default "staging". */
  stack?: string;
  /** Outputs a stack rule may match on (id, arn, name), merged over the inputs. */
  outputs?: Record<string, unknown>;
  dependsOn?: FakeResource[];
  propertyDependencies?: Record<string, FakeResource[]>;
  opts?: Partial<PolicyResourceOptions>;
  provider?: PolicyProviderResource;
}

/** A typed fixture: `props` is checked against the resource class's args at compile time. */
export function fixture<TArgs>(
  resourceClass: ResourceClass<TArgs>,
  name: string,
  props: Unwrap<NonNullable<TArgs>>,
  options: FixtureOptions = {},
): FakeResource {
  const type = typeTokenOf(resourceClass);
  const resource: FakeResource = {
    type,
    name,
    urn: urnOf(options.stack ?? "staging", type, name),
    props: { ...(props as Record<string, unknown>), ...(options.outputs ?? {}) },
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...options.opts,
    },
    dependencies: (options.dependsOn ?? []).map((r) => r.urn),
    propertyDependencies: Object.fromEntries(
      Object.entries(options.propertyDependencies ?? {}).map(([k, v]) => [k, v.map((r) => r.urn)]),
    ),
  };
  if (options.provider) resource.provider = options.provider;
  return resource;
}

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const UNKNOWN_MARKER = Symbol("unknown during preview");

/**
 * A value not known until the resource exists (an id, an ARN), as in `pulumi preview` of a new
 * stack. Typed `never` so it fits any fixture property.
 */
export const UNKNOWN = UNKNOWN_MARKER as never;

/** What the policy SDK's proxy throws when a rule reads an unknown value. */
export class UnknownDuringPreview extends Error {}

/** Mirrors @pulumi/policy's unknownCheckingProxy: reading an UNKNOWN value throws. */
function previewProxy<T>(value: T, path: string[] = []): T {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value as object, {
    get(target, prop) {
      const field = (target as Record<PropertyKey, unknown>)[prop];
      const at = [...path, String(prop)];
      if (field === UNKNOWN_MARKER) throw new UnknownDuringPreview(`${at.join(".")} is unknown`);
      const own = Object.getOwnPropertyDescriptor(target, prop);
      if (own && "value" in own && own.configurable === false && own.writable === false)
        return field;
      return previewProxy(field, at);
    },
  }) as T;
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

/** Mirrors the analyzer's type test: the class's type token, or its isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token === "string" && token.length > 0) return token === type;
  const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

export function isStackPolicy(policy: AnyPolicy): policy is StackValidationPolicy {
  return typeof (policy as StackValidationPolicy).validateStack === "function";
}

export function enforcementOf(policy: AnyPolicy): EnforcementLevel {
  return policy.enforcementLevel ?? "advisory";
}

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  /** The resource reported on (resource rules: always; stack rules: when the rule names one). */
  urn?: string;
}

export interface RuleRun {
  violations: Violation[];
  /** Set when the rule read a value that is unknown during a preview (the engine then reports "can't run during preview"). */
  unknownDuringPreview?: string;
  /** True when at least one validation ran to the end (did not call notApplicable). */
  applied: boolean;
  notApplicableReasons: string[];
}

/** One rule's entry in a --policy-pack-config file: a level, or an object with optional level. */
export type RuleConfigEntry = EnforcementLevel | Record<string, unknown>;

function normalise(entry: RuleConfigEntry | object | undefined): Record<string, unknown> {
  if (entry === undefined) return {};
  return typeof entry === "string"
    ? { enforcementLevel: entry }
    : (entry as Record<string, unknown>);
}

/** Like the analyzer: a rule's config without the enforcementLevel key. */
function configGetter(config: RuleConfigEntry | object | undefined): <T extends object>() => T {
  return <T extends object>() => {
    const properties = { ...normalise(config) };
    delete properties.enforcementLevel;
    return properties as T;
  };
}

/** The level a rule reports at: the config's override, else the rule's own, else advisory. */
function levelOf(
  policy: AnyPolicy,
  config: RuleConfigEntry | object | undefined,
): EnforcementLevel {
  const override = normalise(config).enforcementLevel;
  return typeof override === "string" ? (override as EnforcementLevel) : enforcementOf(policy);
}

/** Runs a resource policy on one resource. */
export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  resource: FakeResource,
  config?: RuleConfigEntry | object,
): Promise<RuleRun> {
  const run: RuleRun = { violations: [], applied: false, notApplicableReasons: [] };
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : policy.validateResource
      ? [policy.validateResource]
      : [];
  for (const validate of validations) {
    const args: ResourceValidationArgs = {
      type: resource.type,
      props: previewProxy(resource.props),
      urn: resource.urn,
      name: resource.name,
      opts: resource.opts,
      stackTags: new Map(),
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: ((resourceClass: unknown) =>
        isTypeOf(resource.type, resourceClass)
          ? previewProxy(resource.props)
          : undefined) as ResourceValidationArgs["asType"],
      getConfig: configGetter(config),
      notApplicable: throwNotApplicable,
    };
    if (resource.provider) args.provider = resource.provider;
    try {
      await validate(args, (message) =>
        run.violations.push({
          policy: policy.name,
          enforcementLevel: levelOf(policy, config),
          message,
          urn: resource.urn,
        }),
      );
      run.applied = true;
    } catch (error) {
      if (error instanceof UnknownDuringPreview) run.unknownDuringPreview = error.message;
      else if (error instanceof NotApplicable) run.notApplicableReasons.push(error.reason);
      else throw error;
    }
  }
  return run;
}

/** Builds the engine's view of a stack: resources with their parents and dependencies linked. */
export function toPolicyResources(resources: FakeResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const linked = resources.map((resource) => {
    const policyResource: PolicyResource = {
      type: resource.type,
      props: previewProxy(resource.props),
      urn: resource.urn,
      name: resource.name,
      opts: resource.opts,
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: ((resourceClass: unknown) =>
        isTypeOf(resource.type, resourceClass)
          ? previewProxy(resource.props)
          : undefined) as PolicyResource["asType"],
    };
    if (resource.provider) policyResource.provider = resource.provider;
    byUrn.set(resource.urn, policyResource);
    return { resource, policyResource };
  });
  for (const { resource, policyResource } of linked) {
    const lookup = (urns: string[]) =>
      urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
    policyResource.dependencies = lookup(resource.dependencies);
    for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
      policyResource.propertyDependencies[key] = lookup(urns);
    }
    if (resource.opts.parent) {
      const parent = byUrn.get(resource.opts.parent);
      if (parent) policyResource.parent = parent;
    }
  }
  return linked.map((l) => l.policyResource);
}

/** Runs a stack policy on a whole stack. */
export async function runStackPolicy(
  policy: StackValidationPolicy,
  resources: FakeResource[],
  config?: RuleConfigEntry | object,
): Promise<RuleRun> {
  const run: RuleRun = { violations: [], applied: false, notApplicableReasons: [] };
  const args: StackValidationArgs = {
    resources: toPolicyResources(resources),
    stackTags: new Map(),
    getConfig: configGetter(config),
    notApplicable: throwNotApplicable,
  };
  try {
    await policy.validateStack(args, (message, urn) => {
      const violation: Violation = {
        policy: policy.name,
        enforcementLevel: levelOf(policy, config),
        message,
      };
      if (urn) violation.urn = urn;
      run.violations.push(violation);
    });
    run.applied = true;
  } catch (error) {
    if (error instanceof UnknownDuringPreview) run.unknownDuringPreview = error.message;
    else if (error instanceof NotApplicable) run.notApplicableReasons.push(error.reason);
    else throw error;
  }
  return run;
}

/**
 * Runs one rule over a set of resources: a stack rule once on all of them, a resource rule on
 * each in turn (as `pulumi preview` would).
 */
export async function runPolicy(
  policy: AnyPolicy,
  resources: FakeResource[],
  config?: RuleConfigEntry | object,
): Promise<RuleRun> {
  if (isStackPolicy(policy)) return runStackPolicy(policy, resources, config);
  const total: RuleRun = { violations: [], applied: false, notApplicableReasons: [] };
  for (const resource of resources) {
    const run = await runResourcePolicy(policy, resource, config);
    total.violations.push(...run.violations);
    total.applied ||= run.applied;
    total.notApplicableReasons.push(...run.notApplicableReasons);
    if (run.unknownDuringPreview) total.unknownDuringPreview = run.unknownDuringPreview;
  }
  return total;
}

/** A stack as the analyzer sees it: inputs for resource rules, outputs for stack rules. */
export interface StackView {
  inputs: FakeResource[];
  outputs: FakeResource[];
}

export interface PackRun {
  violations: Violation[];
  /** Rule names that judged at least one resource (or the stack). */
  applied: string[];
}

/** Runs every rule of a pack over a stack; `config` is keyed by rule name as in --policy-pack-config. */
export async function runPack(
  policies: AnyPolicy[],
  view: StackView,
  config: Record<string, RuleConfigEntry> = {},
): Promise<PackRun> {
  const result: PackRun = { violations: [], applied: [] };
  for (const policy of policies) {
    if (levelOf(policy, config[policy.name]) === "disabled") continue;
    const resources = isStackPolicy(policy) ? view.outputs : view.inputs;
    const run = await runPolicy(policy, resources, config[policy.name]);
    result.violations.push(...run.violations);
    if (run.applied) result.applied.push(policy.name);
  }
  return result;
}
