import assert from "node:assert/strict";
import { parseStackConfig } from "../../infra/src/config";
import { secretEnvNames, withDatabaseEnv } from "../../infra/src/database/releaseEnv";
import {
  databaseName,
  databaseResourceName,
  databaseUrl,
  finalSnapshotIdentifier,
  parameterGroupFamily,
  planDatabaseSubnets,
} from "../../infra/src/database/names";
import {
  appConnectionBudget,
  connectionLimitProblem,
  defaultMaxConnections,
  INSTANCE_CLASSES,
  peakConnections,
} from "../../infra/src/database/connections";
import { databaseSettings, isProductionStage } from "../../infra/src/database/settings";
import { parseCidr, planSubnets } from "../../infra/src/cidr";

/** Whether two CIDR blocks share an address. */
function overlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) throw new Error(`not a CIDR: ${a} or ${b}`);
  const end = (c: { base: number; prefix: number }) => c.base + 2 ** (32 - c.prefix);
  return x.base < end(y) && y.base < end(x);
}
import { rawStackConfig } from "../support/pulumi/stackConfig";

/** A stack's config with berth:database set and berth:secretEnv without DATABASE_URL. */
function configWith(stack: string, database: unknown, changes: Record<string, unknown> = {}) {
  return {
    ...rawStackConfig(stack),
    "berth:secretEnv": {},
    "berth:database": database,
    ...changes,
  };
}

function errorOf(raw: Record<string, unknown>): string {
  try {
    parseStackConfig(raw);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("expected a config error");
}

const RDS_IDENTIFIER = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/;

describe("berth:database config", () => {
  for (const stack of ["staging", "prod"]) {
    it(`${stack}: berth:database: {} is valid and means every default`, () => {
      const config = parseStackConfig(configWith(stack, {}));
      assert.deepEqual(config.database, {
        engineVersion: "17",
        instanceClass: "db.t4g.micro",
        allocatedStorageGiB: 20,
        maxAllocatedStorageGiB: 100,
        rdsProxy: false,
        passwordVersion: 1,
        poolSize: 5,
      });
    });

    it(`${stack}: without berth:database there is no database`, () => {
      assert.equal(parseStackConfig(rawStackConfig(stack)).database, null);
    });
  }

  it("refuses an engine version that is not a current major, naming the ones it takes", () => {
    assert.equal(
      errorOf(configWith("staging", { engineVersion: "15" })),
      'berth:database.engineVersion must be a current PostgreSQL major version: "16" or "17" (quote it in YAML) (got "15")',
    );
    assert.match(errorOf(configWith("staging", { engineVersion: 17 })), /engineVersion must be/);
  });

  it("refuses an unknown instance class and lists the ones it knows", () => {
    const message = errorOf(configWith("staging", { instanceClass: "db.x2g.huge" }));
    assert.match(message, /^berth:database\.instanceClass must be one of db\.t4g\.micro, /);
    for (const known of INSTANCE_CLASSES) assert.ok(message.includes(known), known);
    assert.match(message, /\(got "db\.x2g\.huge"\)$/);
  });

  it("keeps backups on for 7 to 35 days", () => {
    for (const days of [0, 3, 36, 7.5])
      assert.match(
        errorOf(configWith("staging", { backupRetentionDays: days })),
        new RegExp(
          `^berth:database\\.backupRetentionDays must be a whole number from 7 to 35 .*\\(got ${days}\\)$`,
        ),
      );
    assert.equal(
      parseStackConfig(configWith("staging", { backupRetentionDays: 35 })).database
        ?.backupRetentionDays,
      35,
    );
  });

  it("needs the storage ceiling at least 10% above the storage", () => {
    assert.equal(
      errorOf(configWith("staging", { allocatedStorageGiB: 100, maxAllocatedStorageGiB: 105 })),
      "berth:database.maxAllocatedStorageGiB must be at least 10% above allocatedStorageGiB (100), so at least 110, for storage autoscaling (got 105)",
    );
    assert.match(errorOf(configWith("staging", { allocatedStorageGiB: 10 })), /from 20 to 65536/);
  });

  it("refuses unknown keys and a value that is not a map", () => {
    assert.match(
      errorOf(configWith("staging", { multiAZ: true })),
      /^berth:database\.multiAZ is not a known key; allowed: engineVersion, instanceClass, /,
    );
    assert.match(errorOf(configWith("staging", "on")), /^berth:database must be a map \(/);
    assert.match(
      errorOf(configWith("staging", { multiAz: "yes" })),
      /^berth:database\.multiAz must be true or false \(got "yes"\)$/,
    );
  });

  it("a DATABASE_URL of the stack's own while berth:database is on is an error naming both", () => {
    const message = errorOf(
      configWith("staging", {}, { "berth:secretEnv": { DATABASE_URL: "postgres://x:y@z/db" } }),
    );
    assert.match(
      message,
      /^berth:secretEnv\.DATABASE_URL must not be set while berth:database is on: the stack's database sets DATABASE_URL itself; remove it with pulumi config rm --path 'secretEnv\.DATABASE_URL', or remove berth:database/,
    );
    assert.ok(!message.includes("postgres://x:y@z/db"), "the secret value is echoed");
    assert.match(
      errorOf(configWith("staging", {}, { "berth:env": { DATABASE_POOL_SIZE: "50" } })),
      /^berth:env\.DATABASE_POOL_SIZE must not be set while berth:database is on/,
    );
  });

  it("says in one line when the pools do not fit the instance's connections, with the numbers and the fixes", () => {
    const message = errorOf(
      configWith(
        "prod",
        { poolSize: 20 },
        { "berth:release": { batchSize: 1, command: ["npm", "run", "migrate"] } },
      ),
    );
    assert.equal(message.split("\n").length, 1);
    assert.equal(
      message,
      "berth:database.poolSize 20 × 4 app containers per host at a deploy's peak (web and 1 worker(s), old and new side by side) × 2 host(s) + 20 for the release command = 180 connections, more than the 79 berth:database.instanceClass db.t4g.micro leaves the app (max_connections 112, less 20% headroom and 10 reserved); lower berth:database.poolSize to 8, or set berth:database.instanceClass to db.t4g.medium (350), or turn on berth:database.rdsProxy (got poolSize 20)",
    );
    // The fixes it names do fit.
    for (const fix of [
      { poolSize: 8 },
      { poolSize: 20, instanceClass: "db.t4g.medium" },
      { poolSize: 20, rdsProxy: true },
    ])
      assert.doesNotThrow(() =>
        parseStackConfig(
          configWith("prod", fix, {
            "berth:release": { batchSize: 1, command: ["npm", "run", "migrate"] },
          }),
        ),
      );
  });
});

describe("database settings (pure)", () => {
  it("production's defaults: Multi-AZ, deletion protection, a final snapshot and 14 days of backups", () => {
    const base = {
      engineVersion: "17",
      instanceClass: "db.t4g.micro",
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
      rdsProxy: false,
      passwordVersion: 1,
      poolSize: 5,
    } as const;
    assert.deepEqual(databaseSettings(base, true), {
      ...base,
      backupRetentionDays: 14,
      multiAz: true,
      deletionProtection: true,
      finalSnapshot: true,
    });
    assert.deepEqual(databaseSettings(base, false), {
      ...base,
      backupRetentionDays: 7,
      multiAz: false,
      deletionProtection: false,
      finalSnapshot: false,
    });
    assert.equal(databaseSettings({ ...base, multiAz: false }, true).multiAz, false);
  });

  it("production is the stack prod or production, or an environment tag of prod or production", () => {
    assert.equal(isProductionStage("prod", {}), true);
    assert.equal(isProductionStage("production", {}), true);
    assert.equal(isProductionStage("live", { environment: "Production" }), true);
    assert.equal(isProductionStage("staging", { environment: "staging" }), false);
    assert.equal(isProductionStage("prod-eu", {}), false);
  });

  it("max_connections follows RDS's formula on the class's memory", () => {
    assert.equal(defaultMaxConnections("db.t4g.micro"), 112);
    assert.equal(defaultMaxConnections("db.t4g.medium"), 450);
    assert.equal(defaultMaxConnections("db.r7g.2xlarge"), 5000); // 64 GiB: capped
    assert.equal(appConnectionBudget("db.t4g.micro"), 79);
    assert.throws(() => defaultMaxConnections("db.t2.micro"), /unknown instance class/);
  });

  it("counts old and new containers side by side, and the release command's pool once", () => {
    assert.equal(peakConnections(5, { hosts: 1, workers: 1, releaseCommand: false }), 20);
    assert.equal(peakConnections(5, { hosts: 2, workers: 0, releaseCommand: true }), 25);
    assert.equal(
      connectionLimitProblem(
        { instanceClass: "db.t4g.micro", poolSize: 100, rdsProxy: true },
        { hosts: 50, workers: 20, releaseCommand: true },
      ),
      undefined,
    );
  });
});

describe("the release's environment with a database (pure)", () => {
  it("DATABASE_URL joins the secrets, DATABASE_POOL_SIZE the plain values, and the secret names list it", () => {
    const config = parseStackConfig(configWith("staging", { poolSize: 7 }));
    const url = "postgres://berth:x@db:5432/shop_api?sslmode=require";
    const merged = withDatabaseEnv(config, url);
    assert.equal(merged.secretEnv.DATABASE_URL, url);
    assert.equal(merged.env.DATABASE_URL, undefined);
    assert.equal(merged.env.DATABASE_POOL_SIZE, "7");
    assert.deepEqual(secretEnvNames(config), ["DATABASE_URL"]);
    const without = parseStackConfig(rawStackConfig("staging"));
    assert.equal(withDatabaseEnv(without, undefined), without);
    assert.deepEqual(secretEnvNames(without), ["DATABASE_URL"]); // the stack's own, from the test secrets
    assert.deepEqual(secretEnvNames({ ...without, secretEnv: {} }), []);
  });
});

describe("database names (pure)", () => {
  it("DATABASE_URL encodes the user and password and requires TLS", () => {
    assert.equal(
      databaseUrl({
        host: "db.internal",
        port: 5432,
        username: "berth",
        password: "p@ss:w/rd%",
        database: "shop_api",
      }),
      "postgres://berth:p%40ss%3Aw%2Frd%25@db.internal:5432/shop_api?sslmode=require",
    );
    const url = new URL(
      databaseUrl({ host: "h", port: 5432, username: "u", password: "a b#c?d", database: "d" }),
    );
    assert.equal(decodeURIComponent(url.password), "a b#c?d");
  });

  it("identifiers keep RDS's rules for any app and stack berth accepts", () => {
    for (const [app, stack] of [
      ["shop-api", "prod"],
      ["a--b-", "x--y-"],
      ["shop-api-backoffice1", `s${"-a".repeat(19)}b`],
      ["ab", "s"],
    ] as const) {
      const snapshot = finalSnapshotIdentifier(app, stack, "0a1b2c3d");
      assert.match(snapshot, RDS_IDENTIFIER, snapshot);
      assert.ok(snapshot.length <= 63, snapshot);
      assert.match(`${databaseResourceName(app)}-0a1b2c3`, RDS_IDENTIFIER);
    }
    assert.equal(
      finalSnapshotIdentifier("shop-api", "prod", "0a1b2c3d"),
      "shop-api-prod-final-0a1b2c3d",
    );
    assert.equal(databaseName("shop-api"), "shop_api");
    assert.equal(databaseName("a--b-"), "a_b");
    assert.equal(parameterGroupFamily("16"), "postgres16");
  });

  it("database subnets fit in the VPC beside the public and private subnets", () => {
    for (const vpc of ["10.0.0.0/16", "10.30.0.0/22"]) {
      const db = planDatabaseSubnets(vpc, 6);
      const others = planSubnets(vpc, 6);
      const all = [...db, ...others.public, ...others.private];
      for (const [i, a] of all.entries())
        for (const b of all.slice(i + 1)) assert.ok(!overlap(a, b), `${vpc}: ${a} overlaps ${b}`);
      assert.ok(
        db.every((c) => Number(c.split("/")[1]) <= 28),
        `${vpc}: ${db.join(", ")}`,
      );
    }
    assert.deepEqual(planDatabaseSubnets("10.20.0.0/16", 2), ["10.20.96.0/22", "10.20.100.0/22"]);
  });
});
