import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

describe("npm run dev", () => {
  it("names the taken port and the variable that moves it, and starts nothing", async () => {
    // GIVEN the local ALB's port is taken
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      // WHEN
      const result = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "..", "..", "dev", "index.ts")], {
        env: { ...process.env, DEV_PORT: String(taken), DEV_IDP_PORT: "4501", DEV_APP_PORT: "4502", DEV_KEYS_PORT: "4503" },
        encoding: "utf8",
        timeout: 30000,
      });
      // THEN
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`Port ${taken} (local ALB) is taken. Free it or choose another: DEV_PORT=<port> npm run dev`);
      expect(result.stdout).not.toContain("dev: ready");
    } finally {
      blocker.close();
    }
  });
});
