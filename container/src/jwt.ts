import { KeyObject, verify } from "node:crypto";

/** A token that is not a well-formed compact JWS with JSON object header and payload. */
export class MalformedTokenError extends Error {
  readonly reason = "malformed token";
}

/** A compact JWS split into its parts; nothing in it is verified yet. */
export interface ParsedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** `<header>.<payload>` exactly as received: what the signature covers. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

/**
 * base64url with the optional '=' padding the ALB keeps. Node's decoder skips characters
 * outside the alphabet, so the alphabet is checked first: `!!abc` must not decode as `abc`.
 */
const SEGMENT = /^[A-Za-z0-9_-]*={0,2}$/;

function decodeObject(segment: string): Record<string, unknown> {
  if (segment === "" || !SEGMENT.test(segment)) throw new MalformedTokenError("a segment is not base64url");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    throw new MalformedTokenError("a segment is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new MalformedTokenError("a segment is not a JSON object");
  return value as Record<string, unknown>;
}

export function parseJwt(token: string): ParsedJwt {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first < 0 || second < 0 || token.indexOf(".", second + 1) >= 0) throw new MalformedTokenError("not three segments");
  const signature = token.slice(second + 1);
  if (!SEGMENT.test(signature)) throw new MalformedTokenError("the signature is not base64url");
  return {
    header: decodeObject(token.slice(0, first)),
    payload: decodeObject(token.slice(first + 1, second)),
    signingInput: Buffer.from(token.slice(0, second), "latin1"),
    signature: Buffer.from(signature, "base64url"),
  };
}

/**
 * ES256 with node:crypto's synchronous verify on a prepared KeyObject: OpenSSL's P-256
 * verify and little else (no WebCrypto promise, no key import per call). The signature
 * is JOSE's raw r||s, 64 bytes.
 */
export function verifyEs256(jwt: ParsedJwt, key: KeyObject): boolean {
  return jwt.signature.length === 64 && verify("sha256", jwt.signingInput, { key, dsaEncoding: "ieee-p1363" }, jwt.signature);
}

/** RS256 (RSASSA-PKCS1-v1_5 with SHA-256), what Cognito signs its tokens with. */
export function verifyRs256(jwt: ParsedJwt, key: KeyObject): boolean {
  const bytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  return jwt.signature.length === bytes && verify("sha256", jwt.signingInput, key, jwt.signature);
}
