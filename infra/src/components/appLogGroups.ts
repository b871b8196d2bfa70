import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { appLogGroupName, LOGGED_PROCESSES } from "../appLogs";
import { tagsFor } from "../naming";

export interface AppLogGroupsArgs {
  app: string;
  stack: string;
  tags: Record<string, string>;
  /** One of CloudWatch's retention periods (config.ts checks it). */
  retentionInDays: number;
}

/** The app's CloudWatch log groups, one per process type, which docker's awslogs driver writes to. */
export class AppLogGroups extends pulumi.ComponentResource {
  /** The groups' ARNs: the host role may write to these only. */
  public readonly arns: pulumi.Output<string>[];

  constructor(name: string, args: AppLogGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("berth:logs:AppLogGroups", name, {}, opts);
    this.arns = LOGGED_PROCESSES.map((process) => {
      const groupName = appLogGroupName(args.app, args.stack, process);
      return new aws.cloudwatch.LogGroup(
        `${name}-${process}`,
        {
          name: groupName,
          retentionInDays: args.retentionInDays,
          tags: tagsFor(args, groupName),
        },
        { parent: this },
      ).arn;
    });
    this.registerOutputs({ arns: this.arns });
  }
}
