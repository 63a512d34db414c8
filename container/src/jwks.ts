import { createPublicKey, JsonWebKey, KeyObject } from "node:crypto";
import { boundedText } from "./body";
import { KeysUnavailableError, UnknownKeyError } from "./keys";

export interface JwksStoreOptions {
  /** The user pool's key set: `<issuer>/.well-known/jwks.json`. */
  readonly url: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
  /**
   * A kid not in the set fetches the set again at most this often (keys are added
   * before Cognito signs with them). Within it, unknown kids are refused without a fetch,
   * so a flood of made-up kids costs the key set endpoint one request per interval.
   * @default 30000
   */
  readonly unknownKidRefetchMs?: number;
  /** After a failed fetch, tokens needing a fetch get 503 without asking again for this long. @default 5000 */
  readonly failureBackoffMs?: number;
  /** The set is fetched again when it is this old, so a key Cognito removed stops verifying. @default 3600000 */
  readonly maxAgeMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The ALB's own limits for a jwt-validation key set; more is not a Cognito key set. */
const MAX_KEYS = 10;
const MAX_BYTES = 150 * 1024;

/**
 * The user pool's RS256 keys by kid, from its JWKS. One fetch at a time; a fetch only
 * when the set is missing, too old, or a kid is unknown and the last fetch is older than
 * `unknownKidRefetchMs`; after a failure, none for `failureBackoffMs`. Keys are parsed
 * once into KeyObjects.
 */
export class JwksStore {
  private keys = new Map<string, KeyObject>();
  /** When the set was last fetched successfully (epoch ms); 0 before the first. */
  private fetchedAt = 0;
  /** When the last fetch was started, whatever its outcome. */
  private attemptedAt = -Infinity;
  private failedUntil = 0;
  private inFlight: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly unknownKidRefetchMs: number;
  private readonly failureBackoffMs: number;
  private readonly maxAgeMs: number;
  /** Fetches started, for tests and the log. */
  fetches = 0;

  constructor(private readonly options: JwksStoreOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.unknownKidRefetchMs = options.unknownKidRefetchMs ?? 30_000;
    this.failureBackoffMs = options.failureBackoffMs ?? 5000;
    this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
  }

  /** The key for `kid`: UnknownKeyError (401) if the pool has none, KeysUnavailableError (503) if the set cannot be had. */
  async get(kid: string): Promise<KeyObject> {
    const now = this.now();
    const fresh = this.fetchedAt > 0 && now - this.fetchedAt < this.maxAgeMs;
    const known = this.keys.get(kid);
    if (known && fresh) return known;
    if (!fresh || now - this.attemptedAt >= this.unknownKidRefetchMs || this.inFlight) {
      try {
        await this.load();
      } catch (error) {
        // A set we already have still verifies what it verified: keep using it while the endpoint is down.
        const kept = this.keys.get(kid);
        if (kept) return kept;
        throw error;
      }
    }
    const key = this.keys.get(kid);
    if (!key) throw new UnknownKeyError(`no key with kid ${kid.slice(0, 64)} in the user pool's key set`);
    return key;
  }

  private load(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.now() < this.failedUntil) return Promise.reject(new KeysUnavailableError(`the user pool's key set failed to load less than ${this.failureBackoffMs} ms ago`));
    this.attemptedAt = this.now();
    this.fetches += 1;
    this.inFlight = this.fetch().then(
      (keys) => {
        this.keys = keys;
        this.fetchedAt = this.now();
        this.inFlight = undefined;
      },
      (error: unknown) => {
        this.failedUntil = this.now() + this.failureBackoffMs;
        this.inFlight = undefined;
        throw error;
      },
    );
    return this.inFlight;
  }

  private async fetch(): Promise<Map<string, KeyObject>> {
    let body: string;
    try {
      const response = await fetch(this.options.url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: "error" });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(`answered ${response.status}`);
      }
      body = await boundedText(response, MAX_BYTES);
    } catch (error) {
      throw new KeysUnavailableError(`fetching the user pool's key set: ${error instanceof Error ? error.message : String(error)}`);
    }
    let set: unknown;
    try {
      set = JSON.parse(body);
    } catch {
      throw new KeysUnavailableError("the user pool's key set is not JSON");
    }
    const list = (set as { keys?: unknown }).keys;
    if (!Array.isArray(list) || list.length > MAX_KEYS) throw new KeysUnavailableError(`the user pool's key set must hold a "keys" array of at most ${MAX_KEYS} keys`);
    const keys = new Map<string, KeyObject>();
    for (const jwk of list as Array<Record<string, unknown>>) {
      // Only RSA signing keys for RS256; anything else in the set is ignored, never trusted.
      if (jwk?.kty !== "RSA" || typeof jwk.kid !== "string" || (jwk.alg !== undefined && jwk.alg !== "RS256") || (jwk.use !== undefined && jwk.use !== "sig")) continue;
      try {
        const key = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e } as JsonWebKey, format: "jwk" });
        if ((key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) keys.set(jwk.kid, key);
      } catch {
        // A malformed entry is skipped; the others still verify.
      }
    }
    return keys;
  }
}
