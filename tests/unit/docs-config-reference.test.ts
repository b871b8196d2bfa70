import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { z } from "../../infra/node_modules/zod";
import {
  REFERENCE_FILE,
  configReferenceRows,
  generateConfigReference,
  renderConfigReference,
} from "../../infra/tools/config-reference";

type Schema = Parameters<typeof configReferenceRows>[0];
const asSchema = (schema: unknown) => schema as Schema;

describe("docs: the config reference table", () => {
  it("is exactly what the schema in infra/src/config.ts generates (run npm run docs:config)", () => {
    assert.equal(readFileSync(REFERENCE_FILE, "utf8"), generateConfigReference());
  });

  describe("the generator", () => {
    const schema = z.strictObject({
      "berth:app": z.string({ error: "must be a name" }),
      "berth:hosts": z
        .strictObject({
          count: z.number({ error: "must be a whole number from 1 to 50" }).default(1),
          kind: z.enum(["small", "large"]),
        })
        .default({ count: 1, kind: "small" }),
      "berth:env": z.record(z.string(), z.string({ error: "must be a string" })).default({}),
    });
    const meanings = {
      "berth:app": "The app.",
      "berth:hosts.count": "How many.",
      "berth:hosts.kind": "Which.",
      "berth:env": "Env.",
    };

    it("reads required, default, allowed values and meaning of every leaf key", () => {
      assert.deepEqual(configReferenceRows(asSchema(schema), meanings), [
        {
          key: "berth:app",
          required: true,
          default: "",
          allowed: "must be a name",
          meaning: "The app.",
        },
        {
          key: "berth:hosts.count",
          required: false,
          default: "`1`",
          allowed: "must be a whole number from 1 to 50",
          meaning: "How many.",
        },
        {
          key: "berth:hosts.kind",
          required: false,
          default: '`"small"`',
          allowed: "one of `small`, `large`",
          meaning: "Which.",
        },
        {
          key: "berth:env",
          required: false,
          default: "`{}`",
          allowed: "a map; each value a string",
          meaning: "Env.",
        },
      ]);
    });

    it("changes the table when a default changes, so the committed table would no longer match", () => {
      const changed = z.strictObject({
        ...schema.shape,
        "berth:hosts": z
          .strictObject({ count: z.number().default(2), kind: z.enum(["small", "large"]) })
          .default({ count: 2, kind: "small" }),
      });
      assert.notEqual(
        renderConfigReference(configReferenceRows(asSchema(changed), meanings)),
        renderConfigReference(configReferenceRows(asSchema(schema), meanings)),
      );
    });

    it("refuses a schema key nobody described, and a description of a key that is gone", () => {
      const added = z.strictObject({ ...schema.shape, "berth:new": z.boolean() });
      assert.throws(
        () => configReferenceRows(asSchema(added), meanings),
        /config key berth:new has no meaning: add it to infra\/tools\/config-meanings\.ts/,
      );
      assert.throws(
        () => configReferenceRows(asSchema(schema), { ...meanings, "berth:old": "Gone." }),
        /describes keys the schema no longer has: berth:old/,
      );
    });
  });
});
