/**
 * `npm run dev`: the sign-in, page, sign-out flow on one machine, no AWS.
 *
 *   browser -> local ALB (DEV_PORT) -> container app (DEV_APP_PORT)
 *                 |  code flow           ^ verifies x-amzn-oidc-data with keys from
 *                 v                      | the local key endpoint (DEV_KEYS_PORT), and the
 *            OpenID provider (DEV_IDP_PORT), access token with the provider's key set
 *            users from dev/users.json, Cognito-shaped access tokens, client credentials
 *
 * The route policy, the API scope and the machine client mirror the `prod` template.
 */
import { expectedWarningsNote } from "./expected-warnings";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { join } from "node:path";
import { createSigningKey } from "./alb-token";
import { startAppProcess } from "./app-process";
import { startKeyServer } from "./key-server";
import { whenParentExits } from "./parent-watch";
import { createAlbProxy } from "./alb-proxy";
import { createIdentityProvider, DevUser, JWKS_PATH, TOKEN_PATH } from "./identity-provider";
import { createCognitoKey } from "./cognito-token";

const LOCAL_ALB_ARN = "arn:aws:elasticloadbalancing:local-dev-1:000000000000:loadbalancer/app/local-dev-alb/0000000000000000";
const CLIENT_ID = "local-dev-client";
const MACHINE_CLIENT_ID = "local-dev-machine";
/** The resource server's scopes; the API requires the first (the prod template's `api/read`). */
const API_SCOPES = ["api/read", "api/write"];
const ROUTE_POLICY = [{ path: "/admin/*", groups: ["admins"] }];
/** The session a sign-in lasts, as the listener rule's session_timeout (the stacks' default). */
const SESSION_SECONDS = 8 * 3600;

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name}=${process.env[name]} is not a port number`);
  return value;
}

function portTaken(portNumber: number, name: string, what: string): Error {
  return new Error(`Port ${portNumber} (${what}) is taken. Free it or choose another: ${name}=<port> npm run dev`);
}

function listen(server: Server, portNumber: number, name: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "EADDRINUSE" ? portTaken(portNumber, name, what) : error));
    server.listen(portNumber, "127.0.0.1", () => resolve());
  });
}

/** How to stop each part started so far, so a failure part-way leaves nothing running. */
const running: Array<() => void> = [];
let stopping = false;

function stopAll() {
  stopping = true;
  for (const stop of running.splice(0).reverse()) stop();
}

/** Registers how to stop a part; a part that finishes starting after the stop began is stopped at once. */
function onStop(stop: () => void) {
  if (stopping) stop();
  else running.push(stop);
}

function closeOnStop(server: Server) {
  onStop(() => {
    server.closeAllConnections();
    server.close();
  });
}

/**
 * Ctrl-C in a terminal signals the whole process group; an IDE's stop button, `kill`
 * or a process manager signals npm alone, which forwards SIGINT and SIGTERM to this
 * process (the script `exec`s node, so no shell sits in between to swallow them).
 * SIGHUP: the terminal closed. A parent killed with SIGKILL forwards nothing, so that
 * is noticed by watching it. Repeats are ignored; the app gets its drain time, then the
 * process exits regardless.
 */
function stopOnSignalOrOrphaning() {
  const stop = () => {
    if (stopping) return;
    stopAll();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, stop);
  whenParentExits(stop);
}

async function main() {
  stopOnSignalOrOrphaning();
  const ports = { alb: port("DEV_PORT", 3000), idp: port("DEV_IDP_PORT", 3001), app: port("DEV_APP_PORT", 3002), keys: port("DEV_KEYS_PORT", 3003) };
  // Different host names keep the provider's cookies apart from the app's (cookies ignore ports).
  const appHost = `localhost:${ports.alb}`;
  const issuer = `http://127.0.0.1:${ports.idp}`;
  const users = JSON.parse(readFileSync(join(__dirname, "users.json"), "utf8")) as DevUser[];
  const clientSecret = randomBytes(24).toString("base64url");
  const machineSecret = randomBytes(24).toString("base64url");
  const signingKey = createSigningKey();
  const poolKey = createCognitoKey();

  const keys = await startKeyServer([signingKey], ports.keys).catch((error: NodeJS.ErrnoException) => {
    throw error.code === "EADDRINUSE" ? portTaken(ports.keys, "DEV_KEYS_PORT", "ALB public keys") : error;
  });
  onStop(() => void keys.close());

  const provider = createIdentityProvider({
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    redirectUri: `http://${appHost}/oauth2/idpresponse`,
    logoutUris: [`http://${appHost}/`, `http://${appHost}/signed-out`],
    users,
    signingKey: poolKey,
    machineClients: [{ clientId: MACHINE_CLIENT_ID, clientSecret: machineSecret, scopes: API_SCOPES }],
  });
  const idp = createServer(provider.callback());
  await listen(idp, ports.idp, "DEV_IDP_PORT", "OpenID provider");
  closeOnStop(idp);

  const alb = await createAlbProxy({
    appHost,
    target: `http://127.0.0.1:${ports.app}`,
    issuer,
    clientId: CLIENT_ID,
    clientSecret,
    albArn: LOCAL_ALB_ARN,
    signingKey,
    sessionTimeout: SESSION_SECONDS,
    jwtValidation: {
      jwksUrl: `${issuer}${JWKS_PATH}`,
      additionalClaims: [
        { name: "token_use", format: "single-string", values: ["access"] },
        { name: "scope", format: "space-separated-values", values: [API_SCOPES[0]] },
      ],
    },
  });
  await listen(alb, ports.alb, "DEV_PORT", "local ALB");
  closeOnStop(alb);

  // The container app, unmodified, configured through its environment as ECS does.
  const probe = createServer();
  await listen(probe, ports.app, "DEV_APP_PORT", "container app");
  await new Promise((resolve) => probe.close(resolve));
  const { child: app } = await startAppProcess(
    {
      PORT: String(ports.app),
      HOST: "127.0.0.1",
      AWS_REGION: "eu-central-1",
      ALB_ARN: LOCAL_ALB_ARN,
      COGNITO_CLIENT_ID: CLIENT_ID,
      COGNITO_ISSUER: issuer,
      LOGOUT_URL: `${issuer}/logout?client_id=${CLIENT_ID}&logout_uri=${encodeURIComponent(`http://${appHost}/signed-out`)}`,
      ELB_PUBLIC_KEYS_URL: keys.baseUrl,
      APP_ORIGIN: `http://${appHost}`,
      SESSION_TIMEOUT: String(SESSION_SECONDS),
      ROUTE_POLICY: JSON.stringify(ROUTE_POLICY),
      API_CLIENT_IDS: MACHINE_CLIENT_ID,
      API_SCOPE: API_SCOPES[0],
      SHUTDOWN_TIMEOUT_MS: "2000",
    },
    (chunk) => {
      if (process.env.DEV_QUIET !== "1") process.stdout.write(chunk);
    },
  );
  onStop(() => {
    // Exit as soon as the app has drained, rather than waiting out the 3 s.
    app.once("exit", () => process.exit(0));
    app.kill("SIGTERM");
  });

  process.stdout.write(
    [
      "",
      `  Open http://${appHost}/`,
      `  Sign in as ${users.map((u) => `${u.email} / ${u.password}${u.groups?.length ? ` (${u.groups.join(", ")})` : ""}`).join("  or  ")}`,
      `  /admin needs the group admins. A machine client's token for /api/me:`,
      `    curl -s -u ${MACHINE_CLIENT_ID}:${machineSecret} -d grant_type=client_credentials -d scope=${API_SCOPES[0]} ${issuer}${TOKEN_PATH}`,
      `  (local ALB :${ports.alb}, OpenID provider :${ports.idp}, app :${ports.app}, ALB keys :${ports.keys}, all on 127.0.0.1; Ctrl-C stops all)`,
      ...[expectedWarningsNote()].filter(Boolean),
      "",
      "dev: ready",
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`dev: ${error instanceof Error ? error.message : String(error)}\n`);
  stopAll();
  process.exit(1);
});
