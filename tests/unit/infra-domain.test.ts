/**
 * berth:domain: a certificate berth requests and validates through Route 53, on the HTTPS
 * listener only once issued, HTTP redirected to it, A aliases at the ALB, and one clear line for
 * every domain the zone cannot validate.
 */
import assert from "node:assert/strict";
import { parseStackConfig } from "../../infra/src/config";
import { domainNameProblem, validationRecordNames } from "../../infra/src/domain";
import { rawStackConfig } from "../support/pulumi/stackConfig";
import { ProgramRun, readStackConfig, runProgram } from "../support/pulumi/runProgram";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DOMAIN = {
  name: "shop.example.com",
  zone: "example.com",
  alternativeNames: ["example.com", "*.example.com", "www.example.com"],
};

/** A stack's committed berth:loadBalancer without its certificate ARN. */
function withoutCertificate(stack: string): Record<string, unknown> {
  const lb = JSON.parse(readStackConfig(stack)["berth:loadBalancer"] ?? "{}") as Record<
    string,
    unknown
  >;
  delete lb.certificateArn;
  return lb;
}

const runWithDomain = (stack: string, domain: object = DOMAIN) =>
  runProgram({
    stack,
    configOverrides: {
      "berth:domain": domain,
      "berth:loadBalancer": withoutCertificate(stack),
    },
  });

const CERTIFICATE = "aws:acm/certificate:Certificate";
const VALIDATION = "aws:acm/certificateValidation:CertificateValidation";
const RECORD = "aws:route53/record:Record";
const LISTENER = "aws:lb/listener:Listener";

for (const stack of ["staging", "prod"]) {
  describe(`berth:domain in ${stack}`, () => {
    let run: ProgramRun;
    before(async () => {
      run = await runWithDomain(stack);
    });

    it("requests one DNS-validated certificate for the name and every alternative name", () => {
      const certificates = run.ofType(CERTIFICATE);
      assert.equal(certificates.length, 1);
      const inputs = certificates[0]?.inputs ?? {};
      assert.equal(inputs.domainName, "shop.example.com");
      assert.equal(inputs.validationMethod, "DNS");
      assert.deepEqual(inputs.subjectAlternativeNames, DOMAIN.alternativeNames);
    });

    it("looks the public zone up by name and writes one validation record per distinct name", () => {
      const zoneCalls = run.calls.filter((c) => c.token === "aws:route53/getZone:getZone");
      assert.deepEqual(
        zoneCalls.map((c) => [c.inputs.name, c.inputs.privateZone]),
        [["example.com", false]],
      );
      const validation = run
        .ofType(RECORD)
        .filter((r) => r.inputs.type === "CNAME")
        .map((r) => r.state.fqdn)
        .sort();
      // example.com and *.example.com share one CNAME: three records for four names.
      assert.equal(validation.length, 3);
      assert.equal(new Set(validation).size, 3);
      for (const record of run.ofType(RECORD).filter((r) => r.inputs.type === "CNAME")) {
        assert.equal(record.inputs.allowOverwrite, true, record.name);
        assert.match(String(record.inputs.name), /^_[0-9a-f]{32}\./);
        assert.match(String(record.inputs.zoneId), /^Z[0-9A-F]{20}$/);
      }
    });

    it("the validation waits for every record, and the HTTPS listener for the validation", () => {
      const [validation] = run.ofType(VALIDATION);
      assert.ok(validation);
      const [certificate] = run.ofType(CERTIFICATE);
      assert.equal(validation.inputs.certificateArn, certificate?.state.arn);
      const records = run.ofType(RECORD).filter((r) => r.inputs.type === "CNAME");
      assert.deepEqual(
        [...(validation.inputs.validationRecordFqdns as string[])].sort(),
        records.map((r) => r.state.fqdn).sort(),
      );
      for (const record of records) assert.ok(validation.dependencies.includes(record.urn));

      const https = run.ofType(LISTENER).find((l) => l.inputs.protocol === "HTTPS");
      assert.ok(https, "an HTTPS listener");
      assert.equal(https.inputs.certificateArn, certificate?.state.arn);
      assert.ok(
        https.dependencies.includes(validation.urn),
        "the listener takes the ARN from the validation, so it waits until ACM has issued it",
      );
    });

    it("HTTP answers with a 301 to HTTPS", () => {
      const http = run.ofType(LISTENER).find((l) => l.inputs.protocol === "HTTP");
      assert.deepEqual(http?.inputs.defaultActions, [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ]);
    });

    it("aliases the name and non-wildcard alternatives at the ALB with A records only (the ALB is ipv4)", () => {
      const [alb] = run.ofType("aws:lb/loadBalancer:LoadBalancer");
      assert.ok(alb);
      assert.equal(alb.inputs.ipAddressType ?? "ipv4", "ipv4");
      const aliases = run.ofType(RECORD).filter((r) => r.inputs.aliases !== undefined);
      assert.deepEqual(aliases.map((r) => r.inputs.name).sort(), [
        "example.com",
        "shop.example.com",
        "www.example.com",
      ]);
      for (const alias of aliases) {
        assert.equal(alias.inputs.type, "A");
        assert.equal(alias.inputs.allowOverwrite, false, "never over someone else's record");
        assert.deepEqual(alias.inputs.aliases, [
          { name: alb.state.dnsName, zoneId: alb.state.zoneId, evaluateTargetHealth: true },
        ]);
      }
      assert.equal(run.ofType(RECORD).filter((r) => r.inputs.type === "AAAA").length, 0);
    });

    it("the url is https://<domain>", () => {
      assert.equal(run.outputs.url, "https://shop.example.com");
    });

    it("the ALB's security group opens 443", () => {
      const ports = run
        .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .map((r) => r.inputs.fromPort);
      assert.ok(ports.includes(443));
    });
  });
}

describe("berth:domain without alternative names", () => {
  it("one certificate name, one validation record, one A record", async () => {
    const run = await runWithDomain("staging", {
      name: "staging.shop.example.com",
      zone: "example.com",
    });
    assert.equal(run.ofType(CERTIFICATE)[0]?.inputs.subjectAlternativeNames, undefined);
    assert.equal(run.ofType(RECORD).filter((r) => r.inputs.type === "CNAME").length, 1);
    assert.deepEqual(
      run
        .ofType(RECORD)
        .filter((r) => r.inputs.type === "A")
        .map((r) => r.inputs.name),
      ["staging.shop.example.com"],
    );
  });
});

describe("berth:domain config errors: one line naming the key", () => {
  const BAD: [string, (raw: Raw) => void, string][] = [
    [
      "a domain outside the zone",
      (r) => (r["berth:domain"] = { name: "app.example.org", zone: "example.com" }),
      'berth:domain.name must be example.com or a name under it, since its DNS validation record goes into the zone berth:domain.zone; use a name like app.example.com or set zone to a zone that holds it (got "app.example.org")',
    ],
    [
      "a zone that only shares a suffix (badexample.com is not under example.com)",
      (r) => (r["berth:domain"] = { name: "badexample.com", zone: "example.com" }),
      'berth:domain.name must be example.com or a name under it, since its DNS validation record goes into the zone berth:domain.zone; use a name like app.example.com or set zone to a zone that holds it (got "badexample.com")',
    ],
    [
      "a wildcard the zone cannot validate",
      (r) =>
        (r["berth:domain"] = {
          name: "app.example.com",
          zone: "example.com",
          alternativeNames: ["*.example.org"],
        }),
      'berth:domain.alternativeNames[0] must be example.com or a name under it, since its DNS validation record goes into the zone berth:domain.zone; use a name like app.example.com or set zone to a zone that holds it (got "*.example.org")',
    ],
    [
      "a wildcard as the name",
      (r) => (r["berth:domain"] = { name: "*.example.com", zone: "example.com" }),
      'berth:domain.name must be a lowercase domain name like app.example.com, not a wildcard (it is the URL and the A record); to cover example.com and the names one label under it, set name to example.com and add *.example.com to berth:domain.alternativeNames (got "*.example.com")',
    ],
    [
      "two wildcards",
      (r) =>
        (r["berth:domain"] = {
          name: "app.example.com",
          zone: "example.com",
          alternativeNames: ["*.*.example.com"],
        }),
      'berth:domain.alternativeNames[0] must be a lowercase domain name like app.example.com, or a wildcard like *.example.com; ACM allows one * only, as the whole first label (got "*.*.example.com")',
    ],
    [
      "an invalid domain name",
      (r) => (r["berth:domain"] = { name: "shop_api.example.com", zone: "example.com" }),
      'berth:domain.name must be a lowercase domain name like app.example.com; each label 1-63 letters, digits or inner hyphens, not "shop_api" (got "shop_api.example.com")',
    ],
    [
      "a label longer than 63 characters",
      (r) => (r["berth:domain"] = { name: `${"a".repeat(64)}.example.com`, zone: "example.com" }),
      `berth:domain.name must be a lowercase domain name like app.example.com; each label 1-63 letters, digits or inner hyphens, not "${"a".repeat(64)}" (got "${"a".repeat(64)}.example.com")`,
    ],
    [
      "a trailing dot",
      (r) => (r["berth:domain"] = { name: "app.example.com", zone: "example.com." }),
      'berth:domain.zone must be a lowercase domain name like app.example.com, without the trailing dot (got "example.com.")',
    ],
    [
      "a repeated name",
      (r) =>
        (r["berth:domain"] = {
          name: "app.example.com",
          zone: "example.com",
          alternativeNames: ["app.example.com"],
        }),
      'berth:domain.alternativeNames must not repeat a name or berth:domain.name (got ["app.example.com"] twice)',
    ],
    [
      "more names than ACM allows",
      (r) =>
        (r["berth:domain"] = {
          name: "app.example.com",
          zone: "example.com",
          alternativeNames: Array.from({ length: 10 }, (_, i) => `a${i}.example.com`),
        }),
      "berth:domain.alternativeNames must list at most 9 names: ACM allows 10 per certificate, berth:domain.name included (got 10)",
    ],
    [
      "a domain and a certificate ARN at once",
      (r) => (r["berth:domain"] = { name: "app.example.com", zone: "example.com" }),
      "berth:domain and berth:loadBalancer.certificateArn must not both be set: berth:domain requests and validates its own certificate; remove one of the two (got both)",
    ],
  ];

  for (const [what, breakIt, expected] of BAD) {
    it(what, () => {
      const stack = what.includes("certificate ARN") ? "prod" : "staging";
      const raw = rawStackConfig(stack) as Raw;
      breakIt(raw);
      assert.throws(() => parseStackConfig(raw), { message: expected });
    });
  }

  it("accepts a wildcard one level down, and the zone's apex as the name", () => {
    const raw = rawStackConfig("staging") as Raw;
    raw["berth:domain"] = {
      name: "example.com",
      zone: "example.com",
      alternativeNames: ["*.a.example.com", "*.example.com"],
    };
    assert.equal(parseStackConfig(raw).domain?.alternativeNames.length, 2);
  });
});

describe("domain helpers", () => {
  it("ACM's name rules: 253 characters, one leading wildcard", () => {
    const long = `${Array.from({ length: 4 }, () => "a".repeat(62)).join(".")}.io`;
    assert.equal(long.length, 254);
    assert.match(domainNameProblem(long, false) ?? "", /at most 253 characters, not 254/);
    assert.equal(domainNameProblem("*.example.com", true), undefined);
    assert.ok(domainNameProblem("a.*.example.com", true));
    assert.ok(domainNameProblem("com", false));
    assert.ok(domainNameProblem("App.example.com", false));
  });

  it("one validation record per base name", () => {
    assert.deepEqual(validationRecordNames(["*.example.com", "example.com", "a.example.com"]), [
      { base: "example.com", optionFor: "*.example.com" },
      { base: "a.example.com", optionFor: "a.example.com" },
    ]);
  });
});
