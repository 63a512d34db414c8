import { decodeProtectedHeader, errors, jwtVerify, JWTPayload } from "jose";
import { AppConfig } from "./config";
import { KeyStore, KeysUnavailableError, UnknownKeyError } from "./keys";

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
  private readonly verified = new Map<string, Identity>();

  constructor(private readonly options: TokenVerifierOptions) {}

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
    const { config, keys } = this.options;
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthError(401, "malformed token header");
    }
    if (header.alg !== "ES256") throw new AuthError(401, `alg ${String(header.alg).slice(0, 16)} is not ES256`);
    if (typeof header.kid !== "string" || !UUID.test(header.kid)) throw new AuthError(401, "kid is not a UUID");
    if (header.signer !== config.albArn) throw new AuthError(401, "signer is not this load balancer");
    if (header.client !== config.clientId) throw new AuthError(401, "client is not this app client");

    let key: Awaited<ReturnType<KeyStore["get"]>>;
    try {
      key = await keys.get(header.kid);
    } catch (error) {
      if (error instanceof UnknownKeyError) throw new AuthError(401, error.reason);
      if (error instanceof KeysUnavailableError) throw new AuthError(503, error.message);
      throw error;
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ["ES256"],
        issuer: config.issuer,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (error) {
      const reason =
        error instanceof errors.JWTExpired
          ? "token expired"
          : error instanceof errors.JWTClaimValidationFailed
            ? `claim ${error.claim} ${error.reason}`
            : error instanceof errors.JWSSignatureVerificationFailed
              ? "signature does not verify"
              : "malformed token";
      throw new AuthError(401, reason);
    }

    const identity: Identity = {
      sub: String(payload.sub),
      username: typeof payload.username === "string" ? payload.username : typeof payload.email === "string" ? payload.email : String(payload.sub),
      email: typeof payload.email === "string" ? payload.email : undefined,
      exp: Number(payload.exp),
      claims: payload,
    };
    if (this.verified.size >= MAX_CACHED_TOKENS) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, identity);
    return identity;
  }
}
