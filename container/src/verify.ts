import { AppConfig } from "./config";
import { MalformedTokenError, ParsedJwt, parseJwt, verifyEs256 } from "./jwt";
import { KeyStore, KeysUnavailableError, PublicKey, UnknownKeyError } from "./keys";

/** A request the app refuses: 401 for a bad token, 503 when keys cannot be fetched. */
export class AuthError extends Error {
  constructor(
    readonly status: 401 | 503,
    /** Why, for the log line; never contains token content. */
    readonly reason: string,
  ) {
    super(status === 401 ? "Unauthorized" : "Service Unavailable");
  }
}

/** Who signed in, from a verified x-amzn-oidc-data token (userinfo claims). */
export interface Identity {
  readonly sub: string;
  readonly username: string;
  /** `name`, else the username. */
  readonly displayName: string;
  readonly email?: string;
  /** Expiry of this ALB token, epoch seconds: about 2 minutes ahead, not the session's end. */
  readonly exp: number;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Larger than any token the ALB sends (its claims are capped at 11 KB). */
export const MAX_TOKEN_LENGTH = 12 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Clock skew allowed between the token's signer and this task, seconds. */
export const CLOCK_TOLERANCE_S = 30;

export interface TokenVerifierOptions {
  readonly config: Pick<AppConfig, "albArn" | "clientId" | "issuer">;
  readonly keys: KeyStore;
  /** @default Date.now */
  readonly now?: () => number;
}

/** `exp`, `nbf` and `iat` checks shared by both token kinds; throws AuthError(401). */
export function checkTimes(payload: Readonly<Record<string, unknown>>, nowSeconds: number): number {
  const { exp, nbf } = payload;
  if (typeof exp !== "number" || !Number.isFinite(exp)) throw new AuthError(401, 'claim exp missing: the "exp" claim must be a number');
  if (exp + CLOCK_TOLERANCE_S <= nowSeconds) throw new AuthError(401, "token expired");
  if (nbf !== undefined && (typeof nbf !== "number" || nbf - CLOCK_TOLERANCE_S > nowSeconds)) throw new AuthError(401, "claim nbf check failed");
  return exp;
}

/** The string claim `name`, or a 401 naming it. */
export function stringClaim(payload: Readonly<Record<string, unknown>>, name: string): string {
  const value = payload[name];
  if (typeof value !== "string" || value === "") throw new AuthError(401, `claim ${name} missing`);
  return value;
}

/**
 * Verifies x-amzn-oidc-data as the ALB documentation says: ES256, signed by the
 * key named by `kid`, `signer` our ALB, `client` our app client, `iss` our user pool,
 * not expired; and x-amzn-oidc-identity equal to `sub`.
 *
 * No cache of verified tokens: the ALB signs a new token for every request (its `exp`
 * is the request time + 120 s), so a cache keyed by the token would never hit. The
 * signature check is node:crypto's synchronous P-256 verify on a prepared key.
 */
export class TokenVerifier {
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.now = options.now ?? Date.now;
  }

  async verify(token: string | undefined, identityHeader: string | undefined): Promise<Identity> {
    if (!token) throw new AuthError(401, "missing x-amzn-oidc-data");
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError(401, `token longer than ${MAX_TOKEN_LENGTH} characters`);
    let jwt: ParsedJwt;
    try {
      jwt = parseJwt(token);
    } catch (error) {
      if (error instanceof MalformedTokenError) throw new AuthError(401, error.reason);
      throw error;
    }
    const nowSeconds = this.now() / 1000;
    const kid = this.checkHeader(jwt.header, nowSeconds);
    await this.checkSignature(jwt, kid);

    const { payload } = jwt;
    if (payload.iss !== this.options.config.issuer) throw new AuthError(401, "claim iss mismatch");
    const exp = checkTimes(payload, nowSeconds);
    const sub = stringClaim(payload, "sub");
    if (identityHeader !== sub) throw new AuthError(401, "x-amzn-oidc-identity does not match sub");
    const str = (name: string) => (typeof payload[name] === "string" && payload[name] !== "" ? (payload[name] as string) : undefined);
    const username = str("username") ?? str("email") ?? sub;
    return { sub, username, displayName: str("name") ?? username, email: str("email"), exp, claims: payload };
  }

  /** The ALB's header fields, checked before a key is looked up; returns the kid. */
  private checkHeader(header: Readonly<Record<string, unknown>>, nowSeconds: number): string {
    const { config } = this.options;
    if (header.alg !== "ES256") throw new AuthError(401, `alg ${String(header.alg).slice(0, 16)} is not ES256`);
    if (typeof header.kid !== "string" || !UUID.test(header.kid)) throw new AuthError(401, "kid is not a UUID");
    if (header.signer !== config.albArn) throw new AuthError(401, "signer is not this load balancer");
    if (header.client !== config.clientId) throw new AuthError(401, "client is not this app client");
    // The ALB repeats exp in the header: an expired token costs no key fetch and no signature check.
    // (The payload's exp, checked after the signature, still decides for tokens that pass.)
    if (typeof header.exp === "number" && header.exp + CLOCK_TOLERANCE_S <= nowSeconds) throw new AuthError(401, "token expired");
    return header.kid;
  }

  /**
   * If the signature fails, the key is fetched again (at most once per interval, see
   * KeyStore.refresh) and, if it changed, the token is checked once more: a wrong key
   * served once does not stick.
   */
  private async checkSignature(jwt: ParsedJwt, kid: string): Promise<void> {
    const { keys } = this.options;
    const key = keys.cached(kid) ?? (await this.fetchKey(kid));
    if (verifyEs256(jwt, key)) return;
    const fresh = await keys.refresh(kid, key);
    if (fresh && verifyEs256(jwt, fresh)) return;
    throw new AuthError(401, "signature does not verify");
  }

  private async fetchKey(kid: string): Promise<PublicKey> {
    try {
      return await this.options.keys.get(kid);
    } catch (error) {
      if (error instanceof UnknownKeyError) throw new AuthError(401, error.reason);
      if (error instanceof KeysUnavailableError) throw new AuthError(503, error.message);
      throw error;
    }
  }
}
