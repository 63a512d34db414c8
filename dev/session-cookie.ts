import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** Browsers drop cookies over 4096 bytes; the ALB splits its session at about 4 KB too. */
export const SHARD_SIZE = 4000;
/** The ALB reads at most this many shards (-0 to -3). */
export const MAX_SHARDS = 4;

/** Encrypts and authenticates a session (AES-256-GCM) as the ALB's opaque cookie value. */
export function seal(key: Buffer, data: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(data), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The session, or undefined if the value was not sealed with this key or was altered. */
export function unseal<T>(key: Buffer, value: string): T | undefined {
  try {
    const raw = Buffer.from(value, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")) as T;
  } catch {
    return undefined;
  }
}

/** `value` split into `<name>-0`, `<name>-1`, ... cookies of at most SHARD_SIZE characters. */
export function shard(name: string, value: string): Array<[string, string]> {
  const parts: Array<[string, string]> = [];
  for (let i = 0; i * SHARD_SIZE < value.length; i++) parts.push([`${name}-${i}`, value.slice(i * SHARD_SIZE, (i + 1) * SHARD_SIZE)]);
  if (parts.length > MAX_SHARDS) throw new Error(`session of ${value.length} characters needs more than ${MAX_SHARDS} cookies`);
  return parts;
}

/** Joins `<name>-0`, `<name>-1`, ... back together; undefined when -0 is missing. */
export function unshard(name: string, cookies: Readonly<Record<string, string | undefined>>): string | undefined {
  let value = "";
  for (let i = 0; i < MAX_SHARDS && cookies[`${name}-${i}`]; i++) value += cookies[`${name}-${i}`];
  return value || undefined;
}
