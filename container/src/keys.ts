import { createPublicKey, KeyObject } from "node:crypto";
import { boundedText } from "./body";
import { FetchBudget } from "./fetch-budget";
import { Lru } from "./lru";

/** A P-256 public key PEM is under 200 bytes; anything far larger is not one. */
const MAX_PEM_BYTES = 4096;

/** A prepared public key: parsed once when fetched, used as is by every verify. */
export type PublicKey = KeyObject;

/** The PEM as a P-256 public key, or undefined if it is anything else. */
function p256Key(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey({ key: pem, format: "pem" });
    return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1" ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The key endpoint has no key with this id: the token is forged or from elsewhere (401). */
export class UnknownKeyError extends Error {
  readonly reason = "unknown kid";
}

/** The key endpoint could not be reached or answered oddly, or may not be asked now: fail closed (503). */
export class KeysUnavailableError extends Error {
  readonly reason = "public key endpoint unavailable";
}

export interface KeyStoreOptions {
  /** Base URL; the key for `kid` is at `<baseUrl><kid>`. */
  readonly baseUrl: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
  /** Keys the endpoint served, least recently used dropped first. Unknown kids never push these out. @default 16 */
  readonly maxKeys?: number;
  /** Kids the endpoint said it does not have, remembered apart from the keys. @default 1024 */
  readonly maxUnknownKids?: number;
  /** How long an unknown kid is remembered. @default 60000 */
  readonly unknownTtlMs?: number;
  /** After a failed fetch (timeout, 5xx, not a PEM), the kid answers 503 without asking again for this long. @default 5000 */
  readonly failureBackoffMs?: number;
  /** A key whose signature check failed is fetched again at most this often, so a wrong key cannot stick. @default 60000 */
  readonly refetchIntervalMs?: number;
  /** Key fetches started per second across all kids (also the burst). @default 10 */
  readonly fetchesPerSecond?: number;
  /** Key fetches in flight at once. @default 4 */
  readonly maxConcurrentFetches?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface KnownKey {
  readonly key: PublicKey;
  /** The PEM as served, to tell whether a re-fetch brought a different key. */
  readonly pem: string;
  /** When it was last fetched (or re-fetched), epoch ms. */
  fetchedAt: number;
}

/**
 * ALB signing keys by kid: fetched as PEM, parsed once into a KeyObject, kept while in use.
 *
 * Unknown kids and failures are remembered in caches of their own, so made-up kids
 * can neither push real keys out nor make every request reach the endpoint, and
 * all fetches share one rate and concurrency budget. Concurrent requests for one
 * kid share one fetch.
 */
export class KeyStore {
  private readonly known: Lru<string, KnownKey>;
  /** kid -> epoch ms until which it is known not to exist. */
  private readonly unknown: Lru<string, number>;
  /** kid -> epoch ms until which fetching it is not retried. */
  private readonly failed: Lru<string, number>;
  private readonly inFlight = new Map<string, Promise<KnownKey>>();
  private readonly budget: FetchBudget;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly unknownTtlMs: number;
  private readonly failureBackoffMs: number;
  private readonly refetchIntervalMs: number;

  constructor(private readonly options: KeyStoreOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.unknownTtlMs = options.unknownTtlMs ?? 60_000;
    this.failureBackoffMs = options.failureBackoffMs ?? 5000;
    this.refetchIntervalMs = options.refetchIntervalMs ?? 60_000;
    this.known = new Lru(options.maxKeys ?? 16);
    this.unknown = new Lru(options.maxUnknownKids ?? 1024);
    this.failed = new Lru(options.maxUnknownKids ?? 1024);
    const perSecond = options.fetchesPerSecond ?? 10;
    this.budget = new FetchBudget(perSecond, perSecond, options.maxConcurrentFetches ?? 4, this.now);
  }

  /** The key for `kid` if it is already here: no promise, no fetch (the path of nearly every request). */
  cached(kid: string): PublicKey | undefined {
    return this.known.get(kid)?.key;
  }

  /** `kid` must already be checked to be a UUID: it becomes part of a URL. */
  async get(kid: string): Promise<PublicKey> {
    const known = this.known.get(kid);
    if (known) return known.key;
    return (await this.load(kid)).key;
  }

  /**
   * After a signature failed with `stale`: fetches the kid again, at most once per
   * refetch interval, and returns the served key if it differs from `stale`.
   */
  async refresh(kid: string, stale: PublicKey): Promise<PublicKey | undefined> {
    const known = this.known.get(kid);
    // Another request already brought a different key: use that.
    if (known && known.key !== stale) return known.key;
    if (!known || this.now() - known.fetchedAt < this.refetchIntervalMs) return undefined;
    // Whatever the outcome, wait a full interval before the next try.
    known.fetchedAt = this.now();
    try {
      const fresh = await this.load(kid);
      return fresh.pem === known.pem ? undefined : fresh.key;
    } catch {
      // The key we have may still be right; keep it.
      return undefined;
    }
  }

  private load(kid: string): Promise<KnownKey> {
    const pending = this.inFlight.get(kid);
    if (pending) return pending;

    const now = this.now();
    const unknownUntil = this.unknown.get(kid);
    if (unknownUntil !== undefined && unknownUntil > now) return Promise.reject(new UnknownKeyError(`no public key with kid ${kid}`));
    const failedUntil = this.failed.get(kid);
    if (failedUntil !== undefined && failedUntil > now) {
      return Promise.reject(new KeysUnavailableError(`key ${kid} failed to load less than ${this.failureBackoffMs} ms ago`));
    }
    const done = this.budget.tryStart();
    if (!done) return Promise.reject(new KeysUnavailableError(`key fetch budget used up; not fetching ${kid} now`));

    const loading = this.fetch(kid).then(
      (loaded) => {
        const had = this.known.get(kid);
        if (had?.pem === loaded.pem) {
          had.fetchedAt = loaded.fetchedAt;
          loaded = had;
        } else {
          this.known.set(kid, loaded);
        }
        this.unknown.delete(kid);
        this.failed.delete(kid);
        return loaded;
      },
      (error: unknown) => {
        if (error instanceof UnknownKeyError) this.unknown.set(kid, this.now() + this.unknownTtlMs);
        else this.failed.set(kid, this.now() + this.failureBackoffMs);
        throw error;
      },
    );
    const settled = () => {
      done();
      this.inFlight.delete(kid);
    };
    loading.then(settled, settled);
    this.inFlight.set(kid, loading);
    return loading;
  }

  private async fetch(kid: string): Promise<KnownKey> {
    let pem: string;
    try {
      const response = await fetch(`${this.options.baseUrl}${kid}`, { signal: AbortSignal.timeout(this.timeoutMs), redirect: "error" });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        // The regional endpoint answers 403 (S3 behind it) or 404 for a kid it does not have.
        if (response.status === 403 || response.status === 404) throw new UnknownKeyError(`no public key with kid ${kid}`);
        throw new Error(`key endpoint answered ${response.status}`);
      }
      pem = (await boundedText(response, MAX_PEM_BYTES)).trim();
    } catch (error) {
      if (error instanceof UnknownKeyError) throw error;
      throw new KeysUnavailableError(`fetching key ${kid}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const key = p256Key(pem);
    if (!key) throw new KeysUnavailableError(`key endpoint returned something other than a P-256 public key PEM for ${kid}`);
    return { key, pem, fetchedAt: this.now() };
  }
}
