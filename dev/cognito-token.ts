import { generateKeyPairSync, KeyObject, randomUUID, sign } from "node:crypto";

/** An RS256 key pair under a kid, like one of a Cognito user pool's signing keys. */
export interface CognitoSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The public half as the pool's /.well-known/jwks.json lists it. */
  readonly jwk: Readonly<Record<string, string>>;
}

export function createCognitoKey(): CognitoSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID();
  const { n, e } = publicKey.export({ format: "jwk" });
  return { kid, privateKey, jwk: { kty: "RSA", alg: "RS256", use: "sig", kid, n: String(n), e: String(e) } };
}

/** `{ "keys": [...] }`, the body of `<issuer>/.well-known/jwks.json`. */
export function jwks(keys: readonly CognitoSigningKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.jwk) });
}

/** Signs a compact JWS with RS256; the header gets alg and kid unless `header` overrides them. */
export function signCognitoToken(key: CognitoSigningKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${Buffer.from(JSON.stringify({ kid: key.kid, alg: "RS256", ...header })).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${sign("sha256", Buffer.from(input), key.privateKey).toString("base64url")}`;
}

export interface AccessTokenInput {
  readonly issuer: string;
  /** The app client the token was issued to. */
  readonly clientId: string;
  /** The user's sub; for a machine client, Cognito puts the client id here. @default clientId */
  readonly sub?: string;
  /** A user's username; absent for client credentials. */
  readonly username?: string;
  /** `cognito:groups`; omitted when empty, as Cognito does. */
  readonly groups?: readonly string[];
  /** Space-separated scopes. */
  readonly scope: string;
  /** @default 3600 */
  readonly lifetime?: number;
  /** @default now */
  readonly now?: number;
  /** When the user signed in. @default now */
  readonly authTime?: number;
}

/**
 * The claims of a Cognito access token (no `aud`; `client_id`, `token_use`, `scope`,
 * `cognito:groups` only when the user is in a group).
 */
export function accessTokenClaims(input: AccessTokenInput): Record<string, unknown> {
  const now = input.now ?? Math.floor(Date.now() / 1000);
  return {
    sub: input.sub ?? input.clientId,
    ...(input.groups && input.groups.length > 0 ? { "cognito:groups": [...input.groups] } : {}),
    iss: input.issuer,
    version: 2,
    client_id: input.clientId,
    token_use: "access",
    scope: input.scope,
    auth_time: input.authTime ?? now,
    exp: now + (input.lifetime ?? 3600),
    iat: now,
    jti: randomUUID(),
    ...(input.username ? { username: input.username } : {}),
  };
}

export function accessToken(key: CognitoSigningKey, input: AccessTokenInput): string {
  return signCognitoToken(key, accessTokenClaims(input));
}
