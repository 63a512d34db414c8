import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Browser, BrowserContext, chromium, Page } from "playwright-core";

const ROOT = join(__dirname, "..", "..");
const ARTIFACTS = join(ROOT, "artifacts");
const PORTS = { DEV_PORT: "4400", DEV_IDP_PORT: "4401", DEV_APP_PORT: "4402", DEV_KEYS_PORT: "4403" };
const APP = `http://localhost:${PORTS.DEV_PORT}`;
/** In the admins group (dev/users.json). */
const USER = { email: "ada@example.com", password: "local-dev-only-1", username: "ada", name: "Ada Lovelace" };
/** In no group. */
const PLAIN = { email: "grace@example.com", password: "local-dev-only-2", username: "grace" };

const executablePath = [process.env.CHROME_PATH, "/usr/bin/chromium", "/usr/bin/google-chrome"].find((p): p is string => !!p && existsSync(p));

let dev: ChildProcessWithoutNullStreams;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const sessionCookies = async () => (await context.cookies(APP)).filter((c) => c.name.startsWith("AWSELBAuthSessionCookie"));

beforeAll(async () => {
  if (!executablePath) throw new Error("No Chromium: install Debian's chromium (apt-get install chromium) or set CHROME_PATH");
  // `npm run dev` itself, on ports of its own.
  dev = spawn(process.execPath, ["--import", "tsx", join(ROOT, "dev/index.ts")], { cwd: ROOT, env: { ...process.env, ...PORTS, DEV_QUIET: "1" } });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    dev.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("dev: ready")) resolve();
    });
    dev.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    dev.once("exit", (code) => reject(new Error(`npm run dev exited with ${code}:\n${output}`)));
  });
  browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext();
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    dev.kill("SIGINT");
    await exited;
  }
});

describe("sign in, see who you are, sign out (local ALB + OpenID provider + the container app)", () => {
  it("sends an unauthenticated visitor to the sign-in page", async () => {
    await page.goto(`${APP}/`);
    await page.waitForURL(/127\.0\.0\.1:4401\/interaction\//);
    await expect(page.getByRole("heading", { name: "Sign in" }).isVisible()).resolves.toBe(true);
  });

  it("lists the local accounts on the sign-in page, with their passwords and groups", async () => {
    const accounts = await page.locator("ul.hint li").allTextContents();
    expect(accounts).toEqual([`${USER.email} / ${USER.password} (admins)`, `${PLAIN.email} / ${PLAIN.password}`]);
  });

  it("rejects a wrong password and stays on the sign-in page", async () => {
    await page.fill("#email", USER.email);
    await page.fill("#password", "wrong-password");
    await page.click("button[type=submit]");
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Incorrect email or password");
  });

  it("signs in and shows the display name, username, groups, session length and the token's claims", async () => {
    await page.fill("#password", USER.password);
    await page.click("button[type=submit]");
    await page.waitForURL(`${APP}/`);
    await expect(page.getByTestId("display-name").textContent()).resolves.toBe(USER.name);
    await expect(page.getByTestId("username").textContent()).resolves.toBe(USER.username);
    await expect(page.getByTestId("groups").textContent()).resolves.toBe("admins");
    await expect(page.getByTestId("session-length").textContent()).resolves.toBe("8 h");
    const claims = await page.getByTestId("claims").textContent();
    expect(claims).toContain(USER.email);
    expect(claims).toContain("iss");
    expect(await sessionCookies()).toEqual([expect.objectContaining({ name: "AWSELBAuthSessionCookie-0", secure: true, httpOnly: true })]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "signed-in.png"), fullPage: true });
  });

  it("stays signed in after a reload", async () => {
    await page.reload();
    expect(page.url()).toBe(`${APP}/`);
    await expect(page.getByTestId("username").textContent()).resolves.toBe(USER.username);
  });

  it("fetches /api/me with the session", async () => {
    // The pages' CSP allows no script or fetch, so the browser opens the URL itself.
    const res = await page.goto(`${APP}/api/me`);
    expect(res?.status()).toBe(200);
    expect(await res?.json()).toMatchObject({ username: USER.username, email: USER.email, groups: ["admins"] });
    await page.goto(`${APP}/`);
  });

  it("lets a member of admins open /admin", async () => {
    const res = await page.goto(`${APP}/admin`);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("heading", { name: "Administration" }).isVisible()).resolves.toBe(true);
    await page.goto(`${APP}/`);
  });

  it("signs out with the button (a POST from the app's own page): lands on the signed-out page with the session cookies gone", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${APP}/signed-out`);
    await expect(page.getByRole("heading", { name: "You are signed out" }).isVisible()).resolves.toBe(true);
    expect(await sessionCookies()).toEqual([]);
  });

  it("asks to sign in again when the app is opened after signing out", async () => {
    await page.getByRole("link", { name: "Sign in again" }).click();
    await page.waitForURL(/127\.0\.0\.1:4401\/interaction\//);
    await expect(page.getByRole("heading", { name: "Sign in" }).isVisible()).resolves.toBe(true);
  });

  it("gives a user outside admins a 403 page naming the group at /admin", async () => {
    await page.fill("#email", PLAIN.email);
    await page.fill("#password", PLAIN.password);
    await page.click("button[type=submit]");
    await page.waitForURL(`${APP}/`);
    await expect(page.getByTestId("groups").textContent()).resolves.toBe("(none)");
    const res = await page.goto(`${APP}/admin`);
    expect(res?.status()).toBe(403);
    await expect(page.getByTestId("detail").textContent()).resolves.toBe("this page needs membership in the group admins");
    await page.screenshot({ path: join(ARTIFACTS, "forbidden.png"), fullPage: true });
  });

  it("does not sign out on a GET of /logout: it asks, and the button's POST signs out", async () => {
    await page.goto(`${APP}/logout`);
    await expect(page.getByRole("heading", { name: "Sign out?" }).isVisible()).resolves.toBe(true);
    expect(await sessionCookies()).not.toEqual([]);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${APP}/signed-out`);
    expect(await sessionCookies()).toEqual([]);
  });

  it("answers /api/me without a session with 401", async () => {
    const res = await context.request.get(`${APP}/api/me`, { maxRedirects: 0 });
    expect(res.status()).toBe(401);
  });

  it("gives a request for another host the listener's fixed response, never the app", async () => {
    const res = await context.request.get(`http://127.0.0.1:${PORTS.DEV_PORT}/`, { maxRedirects: 0 });
    expect(res.status()).toBe(404);
    expect(await res.text()).toBe("Not found");
  });

  it("stops the local ALB, provider, key endpoint and app on Ctrl-C", async () => {
    const exited = new Promise<number | null>((resolve) => dev.once("exit", (code) => resolve(code)));
    dev.kill("SIGINT");
    expect(await exited).toBe(0);
    for (const port of Object.values(PORTS)) {
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    }
  });
});
