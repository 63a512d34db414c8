import { randomBytes } from "node:crypto";
import { MAX_SHARDS, seal, shard, SHARD_SIZE, unseal, unshard } from "../../dev/session-cookie";

describe("local ALB session cookie", () => {
  const key = randomBytes(32);

  it("fits a small session in AWSELBAuthSessionCookie-0", () => {
    const parts = shard("AWSELBAuthSessionCookie", seal(key, { sub: "a" }));
    expect(parts.map(([name]) => name)).toEqual(["AWSELBAuthSessionCookie-0"]);
  });

  it("shards a session above 4 KB into -0, -1, ... as the ALB does, and joins it back", () => {
    const session = { sub: "a", claims: "x".repeat(4500) };
    const parts = shard("AWSELBAuthSessionCookie", seal(key, session));
    expect(parts.map(([name]) => name)).toEqual(["AWSELBAuthSessionCookie-0", "AWSELBAuthSessionCookie-1"]);
    for (const [, value] of parts) expect(value.length).toBeLessThanOrEqual(SHARD_SIZE);
    const joined = unshard("AWSELBAuthSessionCookie", Object.fromEntries(parts));
    expect(unseal(key, joined ?? "")).toEqual(session);
  });

  it("refuses a session that needs more shards than the ALB reads", () => {
    expect(() => shard("S", "x".repeat(SHARD_SIZE * MAX_SHARDS + 1))).toThrow(/more than 4 cookies/);
  });

  it("does not accept an altered or foreign session", () => {
    const sealed = seal(key, { sub: "a" });
    expect(unseal(key, `${sealed.slice(0, -2)}AA`)).toBeUndefined();
    expect(unseal(randomBytes(32), sealed)).toBeUndefined();
    expect(unshard("S", {})).toBeUndefined();
  });
});
