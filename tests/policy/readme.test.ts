import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { policies } from "../../policy/testing";

const README = path.resolve(__dirname, "..", "..", "policy", "README.md");

/** The cells of every table row between `<!-- name:start -->` and `<!-- name:end -->`. */
function tableRows(markdown: string, name: string): string[][] {
  const start = markdown.indexOf(`<!-- ${name}:start -->`);
  const end = markdown.indexOf(`<!-- ${name}:end -->`);
  assert.ok(start >= 0 && end > start, `README has no ${name} table markers`);
  return markdown
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2) // header and separator
    .map((line) =>
      line
        .slice(1, -1)
        .split(" | ")
        .map((cell) => cell.trim()),
    );
}

const unquote = (cell: string | undefined) => (cell ?? "").replace(/^`|`$/g, "");

describe("policy/README.md stays in step with the rules", () => {
  const markdown = readFileSync(README, "utf8");

  it("the rule table lists every rule once, with its control and enforcement, and nothing else", () => {
    const rows = tableRows(markdown, "rules");
    const documented = rows.map(([name, control, level, what]) => ({
      name: unquote(name),
      control,
      level,
      what,
    }));
    const expected = policies.map((p) => ({
      name: p.name,
      control: p.framework?.reference ?? "—",
      level: p.enforcementLevel ?? "advisory",
    }));
    assert.deepEqual(
      documented.map(({ name, control, level }) => ({ name, control, level })),
      expected,
      `expected rows (rule | control | enforcement):\n${expected
        .map((e) => `| \`${e.name}\` | ${e.control} | ${e.level} | ... |`)
        .join("\n")}`,
    );
    for (const row of documented)
      assert.ok(row.what && row.what.length > 10, `${row.name}: say what it checks`);
  });

  it("the counts in the introduction match the rules", () => {
    const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory").length;
    const advisory = policies.filter((p) => p.enforcementLevel === "advisory").length;
    assert.equal(mandatory + advisory, policies.length, "every rule is mandatory or advisory");
    assert.match(markdown, new RegExp(`against ${policies.length}\\s+rules`));
    assert.match(markdown, new RegExp(`${mandatory} are \\*\\*mandatory\\*\\*`));
    assert.match(markdown, new RegExp(`${advisory} are \\*\\*advisory\\*\\*`));
  });

  it("the config table lists every config key of every rule once, and nothing else", () => {
    const documented = tableRows(markdown, "config").map(
      ([rule, key]) => `${unquote(rule)}.${unquote(key)}`,
    );
    const expected = policies.flatMap((p) =>
      Object.keys(p.configSchema?.properties ?? {}).map((key) => `${p.name}.${key}`),
    );
    assert.deepEqual(documented, expected);
  });
});
