import * as aws from "@pulumi/aws";
import {
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  validateResourceOfType,
} from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";

/** `aws.lb.*` and its older alias module `aws.alb.*` register different type tokens. */
export type LoadBalancerProps = Unwrap<aws.lb.LoadBalancerArgs>;
export type ListenerProps = Unwrap<aws.lb.ListenerArgs>;
export type TargetGroupProps = Unwrap<aws.lb.TargetGroupArgs>;

type Check<P> = (props: P, args: ResourceValidationArgs, report: ReportViolation) => void;

export function onLoadBalancers(check: Check<LoadBalancerProps>): ResourceValidation[] {
  return [
    validateResourceOfType(aws.lb.LoadBalancer, check),
    validateResourceOfType(aws.alb.LoadBalancer, check),
  ];
}

export function onListeners(check: Check<ListenerProps>): ResourceValidation[] {
  return [
    validateResourceOfType(aws.lb.Listener, check),
    validateResourceOfType(aws.alb.Listener, check),
  ];
}

export function onTargetGroups(check: Check<TargetGroupProps>): ResourceValidation[] {
  return [
    validateResourceOfType(aws.lb.TargetGroup, check),
    validateResourceOfType(aws.alb.TargetGroup, check),
  ];
}

/** The ALB checks apply to application load balancers (the default type) only. */
export function isApplicationLoadBalancer(lb: LoadBalancerProps): boolean {
  return (lb.loadBalancerType ?? "application") === "application";
}

export const LOAD_BALANCER_TYPES = [aws.lb.LoadBalancer, aws.alb.LoadBalancer];
export const LISTENER_TYPES = [aws.lb.Listener, aws.alb.Listener];
