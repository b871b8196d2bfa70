/**
 * What each stack config key is for, in one line. The reference table's other columns (required,
 * default, allowed values) are read from the zod schema itself; a key's `.describe()` text, when
 * the schema has one, wins over this list. The generator fails on a schema key missing here and
 * on an entry here that the schema no longer has, so the two cannot drift apart silently.
 */
export const CONFIG_MEANINGS: Record<string, string> = {
  "aws:region": "AWS region of every resource.",
  "berth:app":
    "App name: prefixes resource names, container labels and the hosts' state directory.",
  "berth:network.vpcCidr": "Address block of the stack's VPC.",
  "berth:network.availabilityZones":
    "Zones the ALB, subnets and hosts spread over (hosts round-robin).",
  "berth:network.hostSubnets":
    "`private`: hosts without public IPs behind NAT/endpoints (prod); `public`: hosts in public subnets with tight security groups (cheap staging).",
  "berth:network.egress":
    "How private hosts reach ECR and the internet: one NAT gateway, one per zone, or VPC endpoints only.",
  "berth:network.trustedProxyCidr":
    "Addresses nginx trusts for X-Forwarded-For (default: the VPC).",
  "berth:hosts.count": "Number of EC2 app hosts.",
  "berth:hosts.instanceType":
    "EC2 instance type of the hosts (its architecture picks the AMI and image platform).",
  "berth:hosts.rootVolumeGiB": "Size of each host's encrypted gp3 root volume.",
  "berth:hosts.ami": "Pin an AMI instead of the latest Amazon Linux 2023 from SSM.",
  "berth:ssh.allowedCidrs":
    "Who may reach SSH (hosts, or the bastion when there is one); never 0.0.0.0/0.",
  "berth:ssh.publicKey": "Public half of the deploy key, installed on hosts and bastion.",
  "berth:sshPrivateKey": "Private half of the deploy key (a secret) used by the release over SSH.",
  "berth:bastion.enabled": "Create a bastion host for SSH into private hosts.",
  "berth:bastion.instanceType": "Instance type of the bastion.",
  "berth:web.port": "Port the app listens on inside its container.",
  "berth:web.healthPath":
    "Path that answers 200 when ready and 503 while draining (ALB and agent health checks); the app gets it as HEALTH_PATH.",
  "berth:web.command": "Command override for the web process (null: the image's CMD).",
  "berth:worker.command": "Command of the background worker process.",
  "berth:worker.count": "Worker containers per host (0: none).",
  "berth:release.command": "Run once per rollout before any switch, e.g. migrations (null: none).",
  "berth:release.digest": "Deploy this app image instead of building one (promotion, rollback).",
  "berth:release.proxyDigest": "Deploy this nginx image; set together with release.digest.",
  "berth:release.batchSize":
    "Hosts released at once (with release.command the first host goes alone). The next batch starts only when the agent has exited 0 on every host of this one: health gate, switch, drain and workers done. A failed host stops the rollout.",
  "berth:release.healthSeconds":
    "How long a new web container, or a (re)started nginx, may take to answer 200 on web.healthPath; one probe waits at most 3 s, or this if less.",
  "berth:release.drainSeconds":
    "How long the old web container keeps finishing requests after the switch.",
  "berth:release.stopSeconds": "SIGTERM-to-SIGKILL grace for every container the agent stops.",
  "berth:release.keepReleases": "Releases kept on each host for instant rollback.",
  "berth:release.smokePaths":
    "Paths requested on the new web container before any traffic moves to it; each must answer a status in smokeStatuses, or the deploy fails with the old release still serving. [] turns smoke checks off.",
  "berth:release.smokeStatuses":
    'Smoke answers that pass: classes like "2xx" or exact codes like "404".',
  "berth:release.bakeSeconds":
    "Seconds after the switch during which the previous web container stays ready and nginx's log of the new release is watched; too many 5xx switch the host back by itself. 0 turns the bake off.",
  "berth:release.maxErrorRate":
    "The bake switches back when the new release's 5xx share on a host is above this (0 to 1) and above the previous release's share before the switch.",
  "berth:env": "The app's plain environment variables.",
  "berth:schedule":
    'Jobs run on a schedule (Heroku Scheduler), a list of {name, cron, command}: cron is five fields in UTC or @hourly/@daily/@weekly/@monthly/@yearly, command a list of arguments (no shell). Each runs as a one-off container of the current release with its environment, on the rollout\'s first host only, through a timer the agent installs; a run still going when the next is due is refused, and each run\'s exit code goes to the host\'s schedule.log. Example: [{name: "cleanup", cron: "0 3 * * *", command: ["node", "dist/cleanup.js"]}].',
  "berth:secretEnv":
    "The app's secret environment variables (set with pulumi config set --secret --path).",
  "berth:loadBalancer.certificateArn":
    "ACM certificate of aws:region and of the account the stack deploys to (`up` checks it first): adds the HTTPS listener and the HTTP-to-HTTPS redirect.",
  "berth:loadBalancer.deletionProtection": "Protect the ALB from deletion (prod).",
  "berth:loadBalancer.idleTimeoutSeconds":
    "ALB idle timeout. nginx keeps idle connections 15 s longer (CLIENT_KEEPALIVE_SECONDS in the hosts' proxy env file), so the ALB always closes first; hosts get it at first boot, so after raising it replace them one at a time (pulumi up --replace).",
  "berth:logs.enabled":
    "Keep ALB access logs and VPC flow logs in an encrypted S3 bucket the stack creates.",
  "berth:logs.retentionDays": "Days the log bucket keeps each object.",
  "berth:image.keepImages":
    "Images the ECR lifecycle rule keeps per repository; of the images a release ran (tagged release-...), it keeps at least keepReleases + 1.",
  "berth:tags": "Tags on every resource (cost allocation, ownership).",
};
