import { renderStatusCommand } from "../../infra/src/agent/invocation";
import { HostStatusRow, parseAgentStatus } from "./format";
import { lastLine } from "./run";
import { HostOutput, SSH_CONNECT_FAILED, sshArgv } from "./ssh";
import { Target } from "./targets";

type Capture = (argv: string[]) => Promise<HostOutput>;

/** Every host's `berth-agent status`, asked at once; an unreachable host is a row with its error. */
export function readStatuses(t: Target, capture: Capture): Promise<HostStatusRow[]> {
  return Promise.all(
    t.hosts.map(async (host): Promise<HostStatusRow> => {
      const r = await capture(sshArgv(host, t.access, renderStatusCommand(t.app, t.agentStack)));
      if (r.code !== 0)
        return {
          host: host.name,
          error: /berth-agent: (command )?not found/.test(r.stderr)
            ? `no berth-agent on this host yet: nothing was deployed here (berth deploy -s ${t.stack})`
            : lastLine(r.stderr) || `exit code ${r.code}`,
          unreachable: r.code === SSH_CONNECT_FAILED,
        };
      try {
        return { host: host.name, status: parseAgentStatus(r.stdout) };
      } catch (error) {
        return { host: host.name, error: (error as Error).message };
      }
    }),
  );
}
