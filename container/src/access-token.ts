import { JwksStore } from "./jwks";
import { MalformedTokenError, ParsedJwt, parseJwt, verifyRs256 } from "./jwt";
import { KeysUnavailableError, UnknownKeyError } from "./keys";
import { Lru } from "./lru";
import { AuthError, checkTimes, CLOCK_TOLERANCE_S, MAX_TOKEN_LENGTH, stringClaim } from "./verify";

/** What a verified Cognito access token says. */
export interface AccessClaims {
  readonly sub: string;
  readonly clientId: string;
  /** `cognito:groups`: the user's groups; empty for a machine client. */
  readonly groups: readonly string[];
  /** `scope`, split on spaces. */
  readonly scopes: readonly string[];
  readonly exp: number;
  /** When the user signed in to Cognito (epoch seconds), if the token says. */
  readonly authTime?: number;
}

export interface AccessTokenVerifierOptions {
  /** The user pool's issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  readonly keys: JwksStore;
  /** Verified tokens remembered, least recently used dropped first. @default 1000 */
  readonly maxCached?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const KID = /^[A-Za-z0-9+/=_-]{1,128}$/;

/**
 * Verifies Cognito access tokens: RS256 only, a kid from the pool's key set, `iss` the
 * pool, `token_use` = `access`, not expired, `client_id` one the caller allows.
 *
 * The ALB forwards the same access token on every request of a session until it
 * refreshes it, so verified tokens are remembered by their exact text (signature
 * included) and honoured only until their `exp` (with the clock allowance a fresh check
 * gives): a repeat costs a map lookup, not an RSA verify and a JSON parse. A changed byte
 * is a different key, verified afresh.
 */
export class AccessTokenVerifier {
  private readonly verified: Lru<string, AccessClaims>;
  private readonly now: () => number;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.verified = new Lru(options.maxCached ?? 1000);
    this.now = options.now ?? Date.now;
  }

  /** `what` names the header in log reasons; `clientAllowed` decides `client_id`. */
  async verify(token: string | undefined, what: string, clientAllowed: (clientId: string) => boolean): Promise<AccessClaims> {
    if (!token) throw new AuthError(401, `missing ${what}`);
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError(401, `${what} longer than ${MAX_TOKEN_LENGTH} characters`);
    const nowSeconds = this.now() / 1000;
    let claims = this.verified.get(token);
    // Honoured only while the token itself is: the same expiry rule as a fresh verify.
    if (claims && claims.exp + CLOCK_TOLERANCE_S <= nowSeconds) {
      this.verified.delete(token);
      claims = undefined;
    }
    if (!claims) {
      claims = await this.verifySignedToken(token, what, nowSeconds);
      this.verified.set(token, claims);
    }
    if (!clientAllowed(claims.clientId)) throw new AuthError(401, `${what}: client_id is not an allowed app client`);
    return claims;
  }

  private async verifySignedToken(token: string, what: string, nowSeconds: number): Promise<AccessClaims> {
    let jwt: ParsedJwt;
    try {
      jwt = parseJwt(token);
    } catch (error) {
      if (error instanceof MalformedTokenError) throw new AuthError(401, `${what}: ${error.reason}`);
      throw error;
    }
    const { header, payload } = jwt;
    if (header.alg !== "RS256") throw new AuthError(401, `${what}: alg ${String(header.alg).slice(0, 16)} is not RS256`);
    if (typeof header.kid !== "string" || !KID.test(header.kid)) throw new AuthError(401, `${what}: kid missing or malformed`);
    let verified: boolean;
    try {
      verified = verifyRs256(jwt, await this.options.keys.get(header.kid));
    } catch (error) {
      if (error instanceof UnknownKeyError) throw new AuthError(401, `${what}: unknown kid`);
      if (error instanceof KeysUnavailableError) throw new AuthError(503, error.message);
      throw error;
    }
    if (!verified) throw new AuthError(401, `${what}: signature does not verify`);
    try {
      if (payload.iss !== this.options.issuer) throw new AuthError(401, "claim iss mismatch");
      if (payload.token_use !== "access") throw new AuthError(401, `token_use is ${String(payload.token_use).slice(0, 16)}, not access`);
      const exp = checkTimes(payload, nowSeconds);
      const groups = payload["cognito:groups"] ?? [];
      if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) throw new AuthError(401, "claim cognito:groups is not a list of names");
      const scope = payload.scope ?? "";
      if (typeof scope !== "string") throw new AuthError(401, "claim scope is not a string");
      return {
        sub: stringClaim(payload, "sub"),
        clientId: stringClaim(payload, "client_id"),
        groups,
        scopes: scope.split(" ").filter(Boolean),
        exp,
        authTime: typeof payload.auth_time === "number" ? payload.auth_time : undefined,
      };
    } catch (error) {
      if (error instanceof AuthError) throw new AuthError(error.status, `${what}: ${error.reason}`);
      throw error;
    }
  }
}
