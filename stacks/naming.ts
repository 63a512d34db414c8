import { PROJECT } from "./config";

/**
 * The one place resource names are built: `<project>-<environment>-<part>`,
 * e.g. `whoami-prod-alb`. Validation checks these exact names against AWS limits.
 */
export function resourceName(environment: string, part: string): string {
  return `${namePrefix(environment)}-${part}`;
}

/** `<project>-<environment>`: the cluster, service, user pool and repository name. */
export function namePrefix(environment: string): string {
  return `${PROJECT}-${environment}`;
}

/**
 * The IAM roles the network and app stacks create, by their part of `resourceName`: the
 * only roles an environment's GitHub deploy role may change or pass to a service.
 */
export const WORKLOAD_ROLE_PARTS = ["task-execution", "task", "vpc-flow-logs"] as const;
/**
 * The managed policy the bootstrap stack creates as the permissions boundary of every
 * workload role: whatever inline policy a deploy writes on them, they can do no more.
 */
export const WORKLOAD_BOUNDARY_PART = "workload-boundary";

/** Stack names, which are also the folders under cdktf.out/stacks/. */
export const stackNames = (environment: string) => ({
  bootstrap: `bootstrap-${environment}`,
  network: `network-${environment}`,
  app: `app-${environment}`,
});

/** Public page the ALB serves without login; Cognito's logout sends users here. */
export const SIGNED_OUT_PATH = "/signed-out";
/** Where Cognito sends the browser back to the ALB after sign-in (fixed by ELB). */
export const OAUTH_CALLBACK_PATH = "/oauth2/idpresponse";
/** Unauthenticated health endpoint of the app (the target group probes it directly). */
export const HEALTH_PATH = "/health";
/** The ALB's session cookie; the app expires its shards (-0 to -3) on logout. */
export const SESSION_COOKIE_NAME = "AWSELBAuthSessionCookie";

/** The project root, seen from cdktf.out/stacks/<stack>/ where Terraform runs. */
export const ROOT_FROM_STACK_DIR = "../../..";
