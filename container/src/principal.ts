import { AccessClaims, AccessTokenVerifier } from "./access-token";
import { AppConfig } from "./config";
import { AuthError, Identity, TokenVerifier } from "./verify";

/** A person the ALB signed in: its x-amzn-oidc-data and access token, both verified. */
export interface UserPrincipal {
  readonly kind: "user";
  readonly identity: Identity;
  readonly access: AccessClaims;
}

/** A machine client with a bearer token from the client credentials grant. */
export interface MachinePrincipal {
  readonly kind: "machine";
  readonly access: AccessClaims;
}

export type Principal = UserPrincipal | MachinePrincipal;

/** Refused although who is asking is known (403); `detail` is shown to the client. */
export class ForbiddenError extends Error {
  readonly status = 403;
  constructor(
    /** For the log line. */
    readonly reason: string,
    /** For the client: what it would need. */
    readonly detail: string,
    /** Extra response headers (WWW-Authenticate for a missing scope). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(reason);
  }
}

export interface RequestHeaders {
  readonly data?: string;
  readonly identity?: string;
  readonly accessToken?: string;
  readonly authorization?: string;
}

/** `Authorization: Bearer <token>`: the token, or undefined when the header is anything else. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([^\s]+) *$/i.exec(authorization ?? "");
  return match?.[1];
}

export interface AuthenticatorOptions {
  readonly config: Pick<AppConfig, "clientId" | "apiClientIds" | "apiScope">;
  readonly albTokens: TokenVerifier;
  readonly accessTokens: AccessTokenVerifier;
}

/**
 * Decides who is asking. A person: the ALB's x-amzn-oidc-data (ES256) and the access
 * token it forwards in x-amzn-oidc-accesstoken (RS256, from the ALB's own app client,
 * same `sub`). A machine, on /api/* only: a bearer token from one of the configured
 * machine clients carrying the API scope, verified here although the ALB's
 * jwt-validation already did (defence in depth).
 */
export class Authenticator {
  constructor(private readonly options: AuthenticatorOptions) {}

  async user(headers: RequestHeaders): Promise<UserPrincipal> {
    const { config, albTokens, accessTokens } = this.options;
    const identity = await albTokens.verify(headers.data, headers.identity);
    const access = await accessTokens.verify(headers.accessToken, "x-amzn-oidc-accesstoken", (id) => id === config.clientId);
    if (access.sub !== identity.sub) throw new AuthError(401, "x-amzn-oidc-accesstoken: sub does not match x-amzn-oidc-data");
    return { kind: "user", identity, access };
  }

  async machine(token: string): Promise<MachinePrincipal> {
    const { config, accessTokens } = this.options;
    const access = await accessTokens.verify(token, "bearer token", (id) => config.apiClientIds.includes(id));
    const scope = config.apiScope;
    if (scope === undefined || !access.scopes.includes(scope)) {
      throw new ForbiddenError(`bearer token lacks scope ${scope ?? "(no API scope configured)"}`, `this API needs the scope ${scope ?? "(none configured)"}`, {
        "WWW-Authenticate": `Bearer error="insufficient_scope", scope="${scope ?? ""}"`,
      });
    }
    return { kind: "machine", access };
  }
}
