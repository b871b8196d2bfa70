/**
 * Runs the real pack (`policy/index.ts`) in a child process, as `pulumi preview --policy-pack
 * policy` does, and talks to its analyzer gRPC server with @pulumi/pulumi's own protobuf client.
 * This checks what the in-process harness cannot: that the PolicyPack starts, that its policies
 * and config schemas serialise, and that the rules behave the same behind the real server.
 */
import { ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { FakeResource } from "./harness";

const POLICY_DIR = path.resolve(__dirname, "..", "..", "..", "policy");
const fromPolicy = createRequire(path.join(POLICY_DIR, "package.json"));
const grpcStubsPath = fromPolicy.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb");
const fromStubs = createRequire(grpcStubsPath);

/* eslint-disable @typescript-eslint/no-explicit-any -- generated protobuf classes, used loosely */
const services: any = fromPolicy("@pulumi/pulumi/proto/analyzer_grpc_pb");
const messages: any = fromPolicy("@pulumi/pulumi/proto/analyzer_pb");
const grpc: any = fromStubs("@grpc/grpc-js");
const { Struct }: any = fromStubs("google-protobuf/google/protobuf/struct_pb");
const { Empty }: any = fromStubs("google-protobuf/google/protobuf/empty_pb");

export interface Diagnostic {
  policyName: string;
  enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
  message: string;
  urn: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

function toDiagnostics(response: any): Diagnostic[] {
  return response.getDiagnosticsList().map((d: any) => ({
    policyName: d.getPolicyname(),
    enforcementLevel: LEVELS[d.getEnforcementlevel() as number] ?? "advisory",
    message: d.getMessage(),
    urn: d.getUrn(),
  }));
}

function optionsOf(resource: FakeResource): any {
  const options = new messages.AnalyzerResourceOptions();
  options.setProtect(resource.opts.protect);
  options.setIgnorechangesList(resource.opts.ignoreChanges);
  options.setAdditionalsecretoutputsList(resource.opts.additionalSecretOutputs);
  if (resource.opts.deleteBeforeReplace !== undefined) {
    options.setDeletebeforereplace(resource.opts.deleteBeforeReplace);
    options.setDeletebeforereplacedefined(true);
  }
  const timeouts = new messages.AnalyzerResourceOptions.CustomTimeouts();
  timeouts.setCreate(resource.opts.customTimeouts.createSeconds);
  timeouts.setUpdate(resource.opts.customTimeouts.updateSeconds);
  timeouts.setDelete(resource.opts.customTimeouts.deleteSeconds);
  options.setCustomtimeouts(timeouts);
  if (resource.opts.parent) options.setParent(resource.opts.parent);
  return options;
}

/** Plain JSON for a protobuf Struct (drops undefined, as the engine's serialisation does). */
function struct(props: Record<string, unknown>): any {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}

export class AnalyzerProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
  ) {}

  /** Starts `policy/index.ts` and connects once it prints its port. */
  static async start(timeoutMs = 60_000): Promise<AnalyzerProcess> {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
      cwd: POLICY_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no port within ${timeoutMs} ms: ${stderr}`)),
        timeoutMs,
      );
      child.stdout?.on("data", (chunk: Buffer) => {
        const match = /^(\d+)\s*$/m.exec(chunk.toString());
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`policy pack exited with ${code}: ${stderr}`));
      });
    });
    const client = new services.AnalyzerClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    return new AnalyzerProcess(child, client);
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
      this.client[method](request, (error: Error | null, response: T) =>
        error ? reject(error) : resolve(response),
      ),
    );
  }

  async info(): Promise<{
    name: string;
    version: string;
    policies: { name: string; enforcementLevel: string; configSchema: unknown }[];
  }> {
    const info: any = await this.call("getAnalyzerInfo", new Empty());
    return {
      name: info.getName(),
      version: info.getVersion(),
      policies: info.getPoliciesList().map((p: any) => ({
        name: p.getName(),
        enforcementLevel: LEVELS[p.getEnforcementlevel() as number] ?? "advisory",
        configSchema: p.getConfigschema()?.getProperties()?.toJavaScript(),
      })),
    };
  }

  /** What the engine sends before creating or updating one resource. */
  async analyze(resource: FakeResource): Promise<Diagnostic[]> {
    const request = new messages.AnalyzeRequest();
    request.setType(resource.type);
    request.setName(resource.name);
    request.setUrn(resource.urn);
    request.setProperties(struct(resource.props));
    request.setOptions(optionsOf(resource));
    return toDiagnostics(await this.call("analyze", request));
  }

  /** What the engine sends with the finished stack. */
  async analyzeStack(resources: FakeResource[]): Promise<Diagnostic[]> {
    const request = new messages.AnalyzeStackRequest();
    request.setResourcesList(
      resources.map((resource) => {
        const r = new messages.AnalyzerResource();
        r.setType(resource.type);
        r.setName(resource.name);
        r.setUrn(resource.urn);
        r.setProperties(struct(resource.props));
        r.setOptions(optionsOf(resource));
        r.setDependenciesList(resource.dependencies);
        if (resource.opts.parent) r.setParent(resource.opts.parent);
        for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
          const deps = new messages.AnalyzerPropertyDependencies();
          deps.setUrnsList(urns);
          r.getPropertydependenciesMap().set(key, deps);
        }
        return r;
      }),
    );
    return toDiagnostics(await this.call("analyzeStack", request));
  }

  stop(): void {
    this.client.close();
    this.child.kill("SIGTERM");
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
