import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { aliasNames, DomainSettings, recordSuffix, validationRecordNames } from "../domain";
import { tagsFor } from "../naming";

export interface DomainCertificateArgs {
  app: string;
  stack: string;
  tags: Record<string, string>;
  /** berth:domain, already checked (every name inside the zone). */
  domain: DomainSettings;
}

/**
 * The public hosted zone, an ACM certificate for the domain (and its alternative names) validated
 * through DNS records in that zone, and the validation that waits until ACM has issued it.
 * `certificateArn` comes from the validation, so whatever uses it waits for an issued certificate
 * (an HTTPS listener refuses one still pending).
 */
export class DomainCertificate extends pulumi.ComponentResource {
  /** The issued certificate's ARN (from the validation, not the bare certificate). */
  public readonly certificateArn: pulumi.Output<string>;
  /** The hosted zone's id, for the alias records. */
  public readonly zoneId: pulumi.Output<string>;

  constructor(name: string, args: DomainCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:domain:DomainCertificate", name, {}, opts);
    const parent = { parent: this };
    const zone = aws.route53.getZoneOutput({ name: args.domain.zone, privateZone: false }, parent);
    this.zoneId = zone.zoneId;

    const certificate = new aws.acm.Certificate(
      `${name}-certificate`,
      {
        domainName: args.domain.name,
        subjectAlternativeNames:
          args.domain.alternativeNames.length > 0 ? args.domain.alternativeNames : undefined,
        validationMethod: "DNS",
        keyAlgorithm: "RSA_2048",
        tags: tagsFor(args, `${name}-certificate`),
      },
      parent,
    );

    const records = validationRecordNames([args.domain.name, ...args.domain.alternativeNames]).map(
      ({ base, optionFor }) => {
        const option = certificate.domainValidationOptions.apply((options) => {
          const found = options.find((o) => o.domainName === optionFor);
          if (!found) throw new Error(`ACM returned no DNS validation option for ${optionFor}`);
          return found;
        });
        return new aws.route53.Record(
          `${name}-validation-${recordSuffix(base)}`,
          {
            zoneId: this.zoneId,
            name: option.resourceRecordName,
            type: option.resourceRecordType,
            records: [option.resourceRecordValue],
            ttl: 300,
            // Safe here only: ACM's validation CNAME for a name is the same for every certificate of
            // the account, so a record left by an earlier certificate already holds this value.
            allowOverwrite: true,
          },
          parent,
        );
      },
    );

    const validation = new aws.acm.CertificateValidation(
      `${name}-validation`,
      {
        certificateArn: certificate.arn,
        validationRecordFqdns: records.map((r) => r.fqdn),
      },
      parent,
    );
    this.certificateArn = validation.certificateArn;
    this.registerOutputs({ certificateArn: this.certificateArn, zoneId: this.zoneId });
  }
}

export interface DomainAliasesArgs {
  domain: DomainSettings;
  zoneId: pulumi.Input<string>;
  /** The ALB's DNS name and its canonical hosted zone id. */
  target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> };
}

/**
 * A records aliasing the domain (and each non-wildcard alternative name) at the ALB. A only: the
 * ALB is ipv4 (the VPC has no IPv6 block), and an AAAA alias at an ipv4 ALB answers nothing.
 */
export class DomainAliases extends pulumi.ComponentResource {
  public readonly records: aws.route53.Record[];

  constructor(name: string, args: DomainAliasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:domain:DomainAliases", name, {}, opts);
    this.records = aliasNames(args.domain).map(
      (host) =>
        new aws.route53.Record(
          `${name}-a-${recordSuffix(host)}`,
          {
            zoneId: args.zoneId,
            name: host,
            type: "A",
            aliases: [
              { name: args.target.dnsName, zoneId: args.target.zoneId, evaluateTargetHealth: true },
            ],
            // Never over a record someone else made: `up` stops with Route 53's "already exists".
            allowOverwrite: false,
          },
          { parent: this },
        ),
    );
    this.registerOutputs({});
  }
}
