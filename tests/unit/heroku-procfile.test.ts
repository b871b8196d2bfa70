import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProcfile } from "../../cli/src/heroku/procfile";

const FIXTURES = join(__dirname, "fixtures", "heroku");
const read = (path: string) => readFileSync(join(FIXTURES, path), "utf8");

describe("heroku import: Procfile", () => {
  it("reads every process type with its line, skipping comments and blank lines", () => {
    assert.deepEqual(parseProcfile(read("rails/Procfile")), [
      { name: "web", command: "bundle exec puma -C config/puma.rb -p $PORT", line: 2 },
      { name: "worker", command: "bundle exec sidekiq -C config/sidekiq.yml", line: 3 },
      { name: "release", command: "bin/rails db:migrate", line: 5 },
      { name: "clock", command: "bundle exec clockwork config/clock.rb", line: 6 },
    ]);
  });

  it("takes CRLF line ends and spaces around the colon", () => {
    assert.deepEqual(parseProcfile("web :  node server.js\r\nworker:node w.js\r\n"), [
      { name: "web", command: "node server.js", line: 1 },
      { name: "worker", command: "node w.js", line: 2 },
    ]);
  });

  it("keeps colons inside the command", () => {
    assert.equal(
      parseProcfile("release: bin/rails db:migrate")[0]?.command,
      "bin/rails db:migrate",
    );
  });

  const broken: [string, RegExp][] = [
    [
      "Procfile-missing-colon",
      /^Procfile-missing-colon:2: expected "name: command" .*got "worker node dist\/worker\.js"$/,
    ],
    [
      "Procfile-duplicate",
      /^Procfile-duplicate:4: process type "web" is already defined on line 2; keep one$/,
    ],
    [
      "Procfile-empty-command",
      /^Procfile-empty-command:2: process type "release" has no command after the colon$/,
    ],
  ];
  for (const [file, message] of broken)
    it(`names the file and the line of a malformed line (${file})`, () => {
      assert.throws(
        () => parseProcfile(read(`broken/${file}`), file),
        (error: Error & { exitCode?: number }) => {
          assert.match(error.message, message);
          assert.equal(error.message.split("\n").length, 1, "one line");
          assert.equal(error.exitCode, 2);
          return true;
        },
      );
    });

  it("refuses a process type name Heroku would refuse", () => {
    assert.throws(
      () => parseProcfile("web.1: node a.js", "Procfile"),
      (error: Error) => error.message.startsWith('Procfile:1: expected "name: command"'),
    );
  });
});
