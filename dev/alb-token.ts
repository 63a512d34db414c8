import { generateKeyPairSync, KeyObject, randomUUID, sign } from "node:crypto";

/** An ES256 key pair under a kid, like one of the ALB's regional signing keys. */
export interface AlbSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** SPKI PEM, exactly what the regional key endpoint serves for the kid. */
  readonly publicKeyPem: string;
}

export function createSigningKey(): AlbSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid: randomUUID(), privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

/** base64url as the ALB writes it: URL alphabet, '=' padding kept. */
export function albBase64(data: Buffer | string): string {
  return Buffer.from(data).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * Signs `header.payload` with ES256 (raw r||s signature), every segment in the
 * ALB's padded encoding. The header gets alg and kid unless `header` overrides them.
 */
export function signAlbToken(key: AlbSigningKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${albBase64(JSON.stringify({ alg: "ES256", typ: "JWT", kid: key.kid, ...header }))}.${albBase64(JSON.stringify(payload))}`;
  const signature = sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${albBase64(signature)}`;
}

export interface AlbClaimsInput {
  readonly albArn: string;
  readonly clientId: string;
  readonly issuer: string;
  /** The user's claims from the provider's userinfo: sub, email, username... */
  readonly userinfo: Record<string, unknown>;
  /** Token lifetime in seconds. @default 120 */
  readonly lifetime?: number;
  /** @default now */
  readonly now?: number;
}

/** The x-amzn-oidc-data token the ALB sends: userinfo claims plus iss and exp, signer and client in the header. */
export function albToken(key: AlbSigningKey, input: AlbClaimsInput): string {
  const now = input.now ?? Math.floor(Date.now() / 1000);
  return signAlbToken(
    key,
    { signer: input.albArn, client: input.clientId },
    { ...input.userinfo, iss: input.issuer, exp: now + (input.lifetime ?? 120) },
  );
}
