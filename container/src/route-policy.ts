/**
 * Which Cognito groups a path needs. The app stack passes the environment's
 * `authorization.routes` as ROUTE_POLICY (JSON); the app enforces it after it has
 * verified who is asking.
 */
export interface RouteRule {
  /**
   * `/admin` (that path only) or `/admin/*` (`/admin` itself and everything below it).
   * Case-sensitive, as the app's routes are.
   */
  readonly path: string;
  /** Members of any one of these groups may open the path. */
  readonly groups: readonly string[];
}

/** A path pattern: absolute, no wildcard but a trailing `/*`, no dot segments, no encoding. */
export const PATH_PATTERN = /^\/(?:[A-Za-z0-9._~!$&'()+,;=:@-]+\/)*(?:[A-Za-z0-9._~!$&'()+,;=:@-]+|\*)?$/;
/** Cognito group names: 1-128 characters without whitespace. */
export const GROUP_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

/** Problems with a parsed ROUTE_POLICY value, one line each; empty when it is valid. */
export function routePolicyProblems(value: unknown): string[] {
  if (!Array.isArray(value)) return ['must be a JSON array of {"path": "/admin/*", "groups": ["admins"]}'];
  const problems: string[] = [];
  value.forEach((rule: unknown, i) => {
    const { path, groups } = (rule ?? {}) as { path?: unknown; groups?: unknown };
    if (typeof path !== "string" || !PATH_PATTERN.test(path) || /(^|\/)\.\.?(\/|$)/.test(path)) {
      problems.push(`rule ${i}: path ${JSON.stringify(path)} must be like "/admin" or "/admin/*"`);
    }
    if (!Array.isArray(groups) || groups.length === 0 || !groups.every((g) => typeof g === "string" && GROUP_NAME.test(g))) {
      problems.push(`rule ${i}: groups must be a non-empty list of Cognito group names`);
    }
  });
  return problems;
}

/** Whether a rule's path pattern covers a path. */
export function matches(pattern: string, path: string): boolean {
  if (!pattern.endsWith("/*")) return path === pattern;
  const base = pattern.slice(0, -2);
  return path === base || path.startsWith(`${base}/`);
}

/**
 * For each rule whose path matches, the groups it needs. A request must satisfy every
 * matching rule (one group from each), so adding a rule never opens a path.
 */
export function requiredGroups(policy: readonly RouteRule[], path: string): ReadonlyArray<readonly string[]> {
  return policy.filter((rule) => matches(rule.path, path)).map((rule) => rule.groups);
}
