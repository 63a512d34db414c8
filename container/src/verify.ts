import { decodeProtectedHeader, errors, JWTHeaderParameters, jwtVerify, JWTPayload, JWTVerifyOptions } from "jose";
import { AppConfig } from "./config";
import { Lru } from "./lru";
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

/** Who signed in, from a verified token. */
export interface Identity {
  readonly sub: string;
  readonly username: string;
  readonly email?: string;
  /** Expiry of the ALB token, epoch seconds. */
  readonly exp: number;
  readonly claims: Readonly<JWTPayload>;
}

/** Larger than any token the ALB sends (its claims are capped at 11 KB). */
export const MAX_TOKEN_LENGTH = 12 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Clock skew allowed between the ALB and this task. */
const CLOCK_TOLERANCE_S = 30;
const MAX_CACHED_TOKENS = 1000;

export interface TokenVerifierOptions {
  readonly config: Pick<AppConfig, "albArn" | "clientId" | "issuer">;
  readonly keys: KeyStore;
}

/**
 * Verifies x-amzn-oidc-data as the ALB documentation says: ES256, signed by the
 * key named by `kid`, `signer` our ALB, `client` our app client, `iss` our user pool,
 * not expired; and x-amzn-oidc-identity equal to `sub`.
 *
 * A token that verified is remembered (by its full text, signature included)
 * until it expires, so a page's burst of requests costs one signature check.
 */
export class TokenVerifier {
  private readonly verified = new Lru<string, Identity>(MAX_CACHED_TOKENS);
  private readonly verifyOptions: JWTVerifyOptions;

  constructor(private readonly options: TokenVerifierOptions) {
    this.verifyOptions = { algorithms: ["ES256"], issuer: options.config.issuer, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ["exp", "sub"] };
  }

  async verify(token: string | undefined, identityHeader: string | undefined): Promise<Identity> {
    if (!token) throw new AuthError(401, "missing x-amzn-oidc-data");
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError(401, `token longer than ${MAX_TOKEN_LENGTH} characters`);

    const identity = this.verified.get(token) ?? (await this.verifySignature(token));
    if (identity.exp + CLOCK_TOLERANCE_S <= Date.now() / 1000) {
      this.verified.delete(token);
      throw new AuthError(401, "token expired");
    }
    if (identityHeader !== identity.sub) throw new AuthError(401, "x-amzn-oidc-identity does not match sub");
    return identity;
  }

  private async verifySignature(token: string): Promise<Identity> {
    let payload: JWTPayload;
    try {
      payload = await this.verifyWithKeyStore(token);
    } catch (error) {
      throw toAuthError(error, token);
    }

    const identity: Identity = {
      sub: String(payload.sub),
      username: typeof payload.username === "string" ? payload.username : typeof payload.email === "string" ? payload.email : String(payload.sub),
      email: typeof payload.email === "string" ? payload.email : undefined,
      exp: Number(payload.exp),
      claims: payload,
    };
    this.verified.set(token, identity);
    return identity;
  }

  /**
   * jose parses the header once and hands it to the key lookup, which checks it
   * before any key is fetched. If the signature fails, the key is fetched again
   * (at most once per interval, see KeyStore.refresh) and, if it changed, the
   * token is checked once more: a wrong key served once does not stick.
   */
  private async verifyWithKeyStore(token: string): Promise<JWTPayload> {
    const { keys } = this.options;
    let used: { kid: string; key: PublicKey } | undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const kid = this.checkHeader(header);
          used = { kid, key: await keys.get(kid) };
          return used.key;
        },
        this.verifyOptions,
      );
      return payload;
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed) || !used) throw error;
      const fresh = await keys.refresh(used.kid, used.key);
      if (!fresh) throw error;
      return (await jwtVerify(token, fresh, this.verifyOptions)).payload;
    }
  }

  /** The ALB's header fields, checked before a key is looked up; returns the kid. */
  private checkHeader(header: JWTHeaderParameters): string {
    const { config } = this.options;
    if (header.alg !== "ES256") throw new AuthError(401, `alg ${String(header.alg).slice(0, 16)} is not ES256`);
    if (typeof header.kid !== "string" || !UUID.test(header.kid)) throw new AuthError(401, "kid is not a UUID");
    if (header.signer !== config.albArn) throw new AuthError(401, "signer is not this load balancer");
    if (header.client !== config.clientId) throw new AuthError(401, "client is not this app client");
    // The ALB repeats exp in the header: an expired token costs no key fetch and no signature check.
    // (The payload's exp, checked after the signature, still decides for tokens that pass.)
    if (typeof header.exp === "number" && header.exp + CLOCK_TOLERANCE_S <= Date.now() / 1000) throw new AuthError(401, "token expired");
    return header.kid;
  }
}

/** Maps what jose or the key store threw to a 401 or 503 with a reason for the log. */
function toAuthError(error: unknown, token: string): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof UnknownKeyError) return new AuthError(401, error.reason);
  if (error instanceof KeysUnavailableError) return new AuthError(503, error.message);
  if (error instanceof errors.JOSEAlgNotAllowed) {
    // jose refuses a wrong alg before the header reaches checkHeader: name it from the header.
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      alg = undefined;
    }
    return new AuthError(401, `alg ${String(alg).slice(0, 16)} is not ES256`);
  }
  if (error instanceof errors.JWTExpired) return new AuthError(401, "token expired");
  if (error instanceof errors.JWTClaimValidationFailed) return new AuthError(401, `claim ${error.claim} ${error.reason}`);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthError(401, "signature does not verify");
  if (error instanceof errors.JOSEError) return new AuthError(401, "malformed token");
  throw error;
}
