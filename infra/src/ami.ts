/**
 * Which Amazon Linux 2023 AMI a host runs and which platform images are built for. Pure, except
 * {@link hostAmi}, the one lookup (hosts and bastion use it).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export type Architecture = "x86_64" | "arm64";

/** Graviton families (t4g, m7g, c7gn, r8g, g5g, ...: a "g" right after the generation) run arm64. */
export function architectureOf(instanceType: string): Architecture {
  const family = instanceType.split(".")[0] ?? "";
  return /^[a-z]+\d+g/.test(family) ? "arm64" : "x86_64";
}

/** The public SSM parameter that always names the latest Amazon Linux 2023 AMI. */
export function amiParameterName(arch: Architecture): string {
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`;
}

/** The docker build platform matching the hosts. */
export function dockerPlatform(arch: Architecture): string {
  return arch === "arm64" ? "linux/arm64" : "linux/amd64";
}

/** The AMI: pinned in config, else the latest Amazon Linux 2023 from the public SSM parameter. */
export function hostAmi(
  instanceType: string,
  pinned: string | undefined,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  if (pinned) return pulumi.output(pinned);
  const parameter = aws.ssm.getParameterOutput(
    { name: amiParameterName(architectureOf(instanceType)) },
    opts,
  );
  // The provider returns `value` as a secret, and the SDK makes the whole invoke result secret
  // when one field is, so even `insecureValue` arrives secret. A public AMI id is none: without
  // unsecret the instances' ami would be stored (and diffed) as a secret.
  return pulumi.unsecret(parameter.insecureValue);
}
