import * as assert from "node:assert/strict";
import { AGENT_EXIT } from "../../infra/src/agent/contract";
import {
  STATE,
  assertAllOn,
  convergedRelease,
  deploy,
  newRelease,
  onHost,
  specFor,
} from "./support/fleet";

/** A secret with characters that JSON-escaping and percent-encoding both change. */
const SECRET_VALUE = `tok/"en" & q=1 (x) ünï-${Date.now()}`;

/** The forms a process may print a secret in, each of which Pulumi would not mask. */
const FORMS: Record<string, string> = {
  plain: SECRET_VALUE,
  json: JSON.stringify(SECRET_VALUE).slice(1, -1),
  encodeURIComponent: encodeURIComponent(SECRET_VALUE),
  cutShort: SECRET_VALUE.slice(0, 10),
};

/** A node one-liner that prints $API_TOKEN in every form above, then exits 1. */
const ECHO_SECRET_AND_FAIL = [
  "node",
  "-e",
  `const s = process.env.API_TOKEN;
   console.error("plain " + s);
   console.error("json " + JSON.stringify(s).slice(1, -1));
   console.error("uri " + encodeURIComponent(s));
   console.error("cut " + s.slice(0, 10));
   process.exit(1);`,
];

function assertRedacted(printed: string) {
  for (const [form, text] of Object.entries(FORMS))
    assert.ok(!printed.includes(text), `the ${form} form of the secret was printed`);
  assert.match(printed, /plain \[redacted\]/);
}

describe("fleet: a failed deploy never prints a secret, in any form", () => {
  let current = "";

  before(async () => {
    current = await convergedRelease("redaction-base");
  });

  for (const [what, exitCode, place] of [
    ["the release command", AGENT_EXIT.releaseCommand, "releaseCommand"],
    ["the app (its last log lines)", AGENT_EXIT.unhealthy, "web"],
  ] as const) {
    it(`${what} echoes the secret: the output is redacted, the full log stays on the host, root only`, async () => {
      const image = await newRelease(`redaction-${place}`);
      const base = specFor(image);
      const spec = {
        ...base,
        env: { ...base.env, API_TOKEN: SECRET_VALUE },
        ...(place === "web"
          ? { web: { ...base.web, command: ECHO_SECRET_AND_FAIL } }
          : { releaseCommand: ECHO_SECRET_AND_FAIL }),
        timeouts: { ...base.timeouts, healthSeconds: 6 },
      };
      const result = await deploy(spec);
      assert.equal(result.ok, false);
      const host1 = result.results[0]!;
      assert.equal(host1.exitCode, exitCode, result.error ?? "");
      assertRedacted(host1.stdout + host1.stderr + (result.error ?? ""));
      const file = /full output, unredacted: (\S+) on \S+, root only/.exec(
        host1.summary?.reason ?? "",
      )?.[1];
      assert.ok(file?.startsWith(`${STATE}/logs/`), host1.summary?.reason);
      const stat = await onHost(0, `sudo -n stat -c '%a %U' ${file}`);
      assert.equal(stat.stdout.trim(), "600 root");
      const full = await onHost(0, `sudo -n cat ${file}`);
      assert.ok(full.stdout.includes(`plain ${SECRET_VALUE}`), "the full log lacks the output");
      await assertAllOn(current);
    });
  }
});
