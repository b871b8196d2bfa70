/**
 * What berth offers in place of a Heroku add-on. Only Heroku Postgres maps onto a berth resource
 * (`berth:database`); every other add-on is listed with what to do instead.
 */
export interface AddOnAdvice {
  /** What it is, for the message. */
  kind: string;
  instead: string;
  /**
   * Config var names the add-on sets (besides ATTACHMENT_URL), as prefixes or exact names. Heroku's
   * own data add-ons die with the app, so their vars are not copied; a third party's are copied
   * (with their own secret rule) and still need the provider's new values.
   */
  vars: RegExp;
  /** Heroku runs the service itself: its URLs stop working when the app leaves, never copied. */
  herokuOwned: boolean;
}

const secretHint = (name: string) =>
  `pulumi config set --secret --stack STACK --path 'berth:secretEnv.${name}' (the value on stdin)`;

const HEROKU_REDIS: AddOnAdvice = {
  kind: "Heroku Key-Value Store (Redis)",
  instead: `berth creates no Redis yet: run one you manage (Amazon ElastiCache for Valkey/Redis in the stack's VPC, reachable from the hosts' security group) or a hosted provider, and set its URL as a secret: ${secretHint("REDIS_URL")}. Jobs and caches in Heroku's Redis are not moved: drain queues before the cut-over`,
  vars: /^(REDIS_(TLS_)?URL|HEROKU_REDIS_[A-Z]+(_TLS)?_URL)$/,
  herokuOwned: true,
};

const TABLE: Record<string, AddOnAdvice> = {
  "heroku-redis": HEROKU_REDIS,
  "heroku-kafka": {
    kind: "Apache Kafka on Heroku",
    instead:
      "berth creates no Kafka: use Amazon MSK or a hosted Kafka, and set its brokers and credentials as secrets",
    vars: /^KAFKA_/,
    herokuOwned: true,
  },
  scheduler: {
    kind: "Heroku Scheduler",
    instead:
      "copy each job of `heroku addons:open scheduler` into berth:schedule ({name, cron, command}; Heroku Scheduler's times are UTC too): one host runs each job as a one-off container of the current release",
    vars: /^$/,
    herokuOwned: true,
  },
  papertrail: logging("Papertrail", /^PAPERTRAIL_/),
  logentries: logging("Logentries", /^LOGENTRIES_/),
  coralogix: logging("Coralogix", /^CORALOGIX_/),
  "solarwinds-observability": logging("SolarWinds", /^SOLARWINDS_/),
  sendgrid: provider("email (SendGrid)", /^SENDGRID_/, "or Amazon SES"),
  mailgun: provider("email (Mailgun)", /^MAILGUN_/, "or Amazon SES"),
  postmark: provider("email (Postmark)", /^POSTMARK_/, "or Amazon SES"),
  newrelic: provider("APM (New Relic)", /^NEW_RELIC_/),
  scout: provider("APM (Scout)", /^SCOUT_/),
  sentry: provider("error tracking (Sentry)", /^SENTRY_/),
  rollbar: provider("error tracking (Rollbar)", /^ROLLBAR_/),
  honeybadger: provider("error tracking (Honeybadger)", /^HONEYBADGER_/),
  memcachier: provider(
    "cache (MemCachier)",
    /^MEMCACHIER_/,
    "or Amazon ElastiCache (Memcached) in the stack's VPC",
  ),
  bucketeer: provider(
    "file storage (Bucketeer, S3)",
    /^BUCKETEER_/,
    "or an S3 bucket of your own with a bucket policy for the app",
  ),
  cloudamqp: provider("message broker (CloudAMQP)", /^CLOUDAMQP_/, "or Amazon MQ"),
};

function logging(name: string, vars: RegExp): AddOnAdvice {
  return {
    kind: `log drain (${name})`,
    instead: `berth keeps each container's log on its host (npm run berth -- logs -s STACK); to keep ${name}, open an account with them directly and ship the hosts' Docker logs to it (their agent or syslog), with its token as a secret`,
    vars,
    herokuOwned: false,
  };
}

function provider(kind: string, vars: RegExp, alternative = ""): AddOnAdvice {
  return {
    kind,
    instead: `the add-on's account belongs to Heroku and goes when the add-on is removed: open an account with the provider directly${alternative ? ` ${alternative}` : ""}, and set its new keys as secrets (the copied values work only as long as the Heroku add-on exists)`,
    vars,
    herokuOwned: false,
  };
}

export const POSTGRES_ADDON = "heroku-postgresql";

/** Advice for an add-on service; a generic answer for one berth does not know. */
export function addOnAdvice(service: string): AddOnAdvice {
  return (
    TABLE[service] ?? {
      kind: `add-on ${service}`,
      instead:
        "provisioned through Heroku and removed with the app: open an account with the provider directly (most sell outside Heroku) or use the AWS service that does the same, and set its config vars from the new account",
      vars: new RegExp(`^${service.toUpperCase().replace(/-/g, "_")}_`),
      herokuOwned: false,
    }
  );
}

/** Heroku Redis's config vars: never copied, listed as "cannot map" even without app.json. */
export const HEROKU_REDIS_VARS = HEROKU_REDIS.vars;
/** Extra attachments of Heroku Postgres (the same database, or another one). */
export const HEROKU_POSTGRES_ATTACHMENT = /^HEROKU_POSTGRESQL_[A-Z]+_URL$/;
