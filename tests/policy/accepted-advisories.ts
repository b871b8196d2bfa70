/**
 * The advisories the berth program is allowed to trigger, per stack, and why each is accepted.
 * The program test fails when a stack triggers an advisory not listed here (a new judgement call
 * to make) or stops triggering one that is (remove it from the list).
 */
export const ACCEPTED_ADVISORIES: Record<string, Record<string, string>> = {
  staging: {
    "app-hosts-public-ip-outside-production":
      "staging puts its one host in a public subnet to save the NAT gateway (about $33/month); " +
      "app-hosts-not-world-reachable (mandatory) holds: HTTP only from the ALB's security group, SSH " +
      "only from the two allowed CIDRs.",
    "vpc-flow-logs":
      "staging leaves the log archive off (berth:logs) to stay cheap; flow logs detect rather than " +
      "prevent, and prod has them.",
  },
  // None: remote-command-pins-host-key, once accepted here, is mandatory now that the program
  // generates and pins every host's and the bastion's SSH host key.
  prod: {},
};
