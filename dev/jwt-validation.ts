import { createPublicKey, KeyObject, verify } from "node:crypto";
import type { CognitoSigningKey } from "./cognito-token";

export interface PoolTokenOptions {
  readonly issuer: string;
  /** The pool's keys (private halves are ignored; only the public key verifies). */
  readonly keys: ReadonlyArray<Pick<CognitoSigningKey, "kid" | "jwk">>;
  /** @default now */
  readonly nowSeconds?: number;
}

const publicKeys = new WeakMap<object, KeyObject>();
function publicKey(key: Pick<CognitoSigningKey, "kid" | "jwk">): KeyObject {
  let found = publicKeys.get(key);
  if (!found) {
    found = createPublicKey({ key: { kty: "RSA", n: key.jwk.n, e: key.jwk.e }, format: "jwk" });
    publicKeys.set(key, found);
  }
  return found;
}

/**
 * What the ALB's `jwt-validation` action checks before any configured claim, as AWS
 * documents it: an RS256 signature by a key of the set, `iss`, `exp`, and `nbf`/`iat`
 * when present. The claims, or undefined if any check fails.
 */
export function verifyPoolToken(token: string, options: PoolTokenOptions): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], "base64url").toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString()) as Record<string, unknown>;
    const key = options.keys.find((k) => k.kid === header.kid);
    if (header.alg !== "RS256" || !key) return undefined;
    if (!verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), publicKey(key), Buffer.from(parts[2], "base64url"))) return undefined;
    const now = options.nowSeconds ?? Date.now() / 1000;
    if (claims.iss !== options.issuer || typeof claims.exp !== "number" || claims.exp <= now) return undefined;
    if (typeof claims.nbf === "number" && claims.nbf > now) return undefined;
    if (typeof claims.iat === "number" && claims.iat > now + 60) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

/** One `additional_claim` of a jwt-validation action. */
export interface RequiredClaim {
  readonly name: string;
  readonly format: "single-string" | "space-separated-values" | "string-array";
  readonly values: readonly string[];
}

/** Whether `claims` hold every value of `required` in the claim's format. */
export function claimHolds(claims: Record<string, unknown>, required: RequiredClaim): boolean {
  const value = claims[required.name];
  const have =
    required.format === "single-string"
      ? typeof value === "string"
        ? [value]
        : []
      : required.format === "space-separated-values"
        ? typeof value === "string"
          ? value.split(" ").filter(Boolean)
          : []
        : Array.isArray(value)
          ? value.filter((v): v is string => typeof v === "string")
          : [];
  return required.values.every((v) => have.includes(v));
}
