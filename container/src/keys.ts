import { importSPKI } from "jose";

type PublicKey = Awaited<ReturnType<typeof importSPKI>>;

/** The key endpoint has no key with this id: the token is forged or from elsewhere (401). */
export class UnknownKeyError extends Error {
  readonly reason = "unknown kid";
}

/** The key endpoint could not be reached or answered oddly: fail closed (503). */
export class KeysUnavailableError extends Error {
  readonly reason = "public key endpoint unavailable";
}

export interface KeyStoreOptions {
  /** Base URL; the key for `kid` is at `<baseUrl><kid>`. */
  readonly baseUrl: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
  /** Keys (and unknown kids) kept. @default 64 */
  readonly maxEntries?: number;
  /** How long an unknown kid is remembered, so forged kids cannot make us fetch on every request. @default 60000 */
  readonly unknownTtlMs?: number;
}

interface Entry {
  readonly key: Promise<PublicKey>;
  /** Epoch ms after which the entry is fetched again; Infinity for a found key (ALB keys never change). */
  expires: number;
}

/**
 * ALB signing keys by kid: fetched as PEM, imported once, cached with a bound.
 * Concurrent requests for one kid share one fetch.
 */
export class KeyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly unknownTtlMs: number;

  constructor(private readonly options: KeyStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxEntries = options.maxEntries ?? 64;
    this.unknownTtlMs = options.unknownTtlMs ?? 60_000;
  }

  /** `kid` must already be checked to be a UUID: it becomes part of a URL. */
  get(kid: string): Promise<PublicKey> {
    const cached = this.entries.get(kid);
    if (cached && cached.expires > Date.now()) return cached.key;

    const entry: Entry = { key: this.fetch(kid), expires: Infinity };
    entry.key.catch((error: unknown) => {
      if (error instanceof UnknownKeyError) entry.expires = Date.now() + this.unknownTtlMs;
      else if (this.entries.get(kid) === entry) this.entries.delete(kid);
    });
    this.entries.delete(kid);
    this.entries.set(kid, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return entry.key;
  }

  private async fetch(kid: string): Promise<PublicKey> {
    let response: Response;
    let pem: string;
    try {
      response = await fetch(`${this.options.baseUrl}${kid}`, { signal: AbortSignal.timeout(this.timeoutMs), redirect: "error" });
      pem = await response.text();
    } catch (error) {
      throw new KeysUnavailableError(`fetching key ${kid}: ${error instanceof Error ? error.message : String(error)}`);
    }
    // The regional endpoint answers 403 (S3 behind it) or 404 for a kid it does not have.
    if (response.status === 403 || response.status === 404) throw new UnknownKeyError(`no public key with kid ${kid}`);
    if (!response.ok) throw new KeysUnavailableError(`key endpoint answered ${response.status} for ${kid}`);
    try {
      return await importSPKI(pem.trim(), "ES256");
    } catch {
      throw new KeysUnavailableError(`key endpoint returned something other than an EC public key PEM for ${kid}`);
    }
  }
}
