import { defaultKeysBaseUrl, loadConfig } from "../../container/src/config";
import { ALB_ARN, APP_ORIGIN, CLIENT_ID, ISSUER, LOGOUT_URL } from "../helpers/app-server";

const complete = {
  PORT: "8080",
  AWS_REGION: "eu-central-1",
  ALB_ARN,
  COGNITO_CLIENT_ID: CLIENT_ID,
  COGNITO_ISSUER: ISSUER,
  LOGOUT_URL,
  APP_ORIGIN,
  SESSION_TIMEOUT: "28800",
};

describe("loadConfig", () => {
  it("reads a complete environment and derives the regional key endpoint", () => {
    const config = loadConfig(complete);
    expect(config).toMatchObject({ port: 8080, albArn: ALB_ARN, issuer: ISSUER, sessionCookieName: "AWSELBAuthSessionCookie" });
    expect(config).toMatchObject({ shutdownTimeoutMs: 25000, shutdownDrainMs: 3000 });
    expect(config.keysBaseUrl).toBe("https://public-keys.auth.elb.eu-central-1.amazonaws.com/");
    expect(config).toMatchObject({ appOrigin: APP_ORIGIN, sessionTimeoutSeconds: 28800, routePolicy: [], apiClientIds: [] });
    expect(config.jwksUrl).toBe(`${ISSUER}/.well-known/jwks.json`);
  });

  it("reads the route policy and the machine clients", () => {
    const config = loadConfig({
      ...complete,
      ROUTE_POLICY: '[{"path":"/admin/*","groups":["admins"]}]',
      API_CLIENT_IDS: "client1, client2",
      API_SCOPE: "https://whoami.example.com/api/read",
    });
    expect(config.routePolicy).toEqual([{ path: "/admin/*", groups: ["admins"] }]);
    expect(config.apiClientIds).toEqual(["client1", "client2"]);
    expect(config.apiScope).toBe("https://whoami.example.com/api/read");
  });

  it("says what is wrong with the authorization settings", () => {
    expect(() => loadConfig({ ...complete, ROUTE_POLICY: "admins" })).toThrow(/ROUTE_POLICY is not JSON: set it to a list like/);
    expect(() => loadConfig({ ...complete, ROUTE_POLICY: '[{"path":"admin","groups":["admins"]}]' })).toThrow(/ROUTE_POLICY rule 0: path "admin" must be like "\/admin" or "\/admin\/\*"/);
    expect(() => loadConfig({ ...complete, API_CLIENT_IDS: "client1" })).toThrow(/API_SCOPE is missing: machine clients \(API_CLIENT_IDS\) need the scope/);
    expect(() => loadConfig({ ...complete, API_CLIENT_IDS: CLIENT_ID, API_SCOPE: "api/read" })).toThrow(/API_CLIENT_IDS must not name COGNITO_CLIENT_ID/);
    expect(() => loadConfig({ ...complete, APP_ORIGIN: "https://whoami.example.com/" })).toThrow(/APP_ORIGIN "https:\/\/whoami.example.com\/" must be an origin only/);
    expect(() => loadConfig({ ...complete, SESSION_TIMEOUT: "8h" })).toThrow(/SESSION_TIMEOUT "8h" must be a whole number of seconds/);
  });

  it("uses GovCloud's own key endpoint in GovCloud regions", () => {
    expect(defaultKeysBaseUrl("us-gov-west-1")).toBe("https://s3-us-gov-west-1.amazonaws.com/aws-elb-public-keys-prod-us-gov-west-1/");
  });

  it("derives the issuer from COGNITO_USER_POOL_ID", () => {
    const { COGNITO_ISSUER: _, ...rest } = complete;
    expect(loadConfig({ ...rest, COGNITO_USER_POOL_ID: "eu-west-1_AbC123" }).issuer).toBe("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
  });

  it("names every missing variable in one message", () => {
    expect(() => loadConfig({})).toThrow(/AWS_REGION is missing[\s\S]*ALB_ARN is missing[\s\S]*COGNITO_CLIENT_ID is missing[\s\S]*COGNITO_ISSUER is missing[\s\S]*LOGOUT_URL is missing[\s\S]*APP_ORIGIN is missing[\s\S]*SESSION_TIMEOUT is missing/);
  });

  it("refuses COGNITO_DOMAIN without LOGOUT_URL: the sign-out target comes from LOGOUT_URL only", () => {
    const { LOGOUT_URL: _, ...rest } = complete;
    expect(() => loadConfig({ ...rest, COGNITO_DOMAIN: "login.auth.eu-central-1.amazoncognito.com" })).toThrow(
      /LOGOUT_URL is missing[\s\S]*COGNITO_DOMAIN is no longer read: set LOGOUT_URL instead/,
    );
  });

  it("listens on every interface unless HOST names one", () => {
    expect(loadConfig(complete).host).toBeUndefined();
    expect(loadConfig({ ...complete, HOST: "127.0.0.1" }).host).toBe("127.0.0.1");
  });

  it("names each malformed variable", () => {
    expect(() => loadConfig({ ...complete, ALB_ARN: "arn:aws:s3:::bucket" })).toThrow(/ALB_ARN "arn:aws:s3:::bucket" is malformed/);
    expect(() => loadConfig({ ...complete, PORT: "http" })).toThrow(/PORT "http" must be a port number/);
    expect(() => loadConfig({ ...complete, HOST: "0.0.0.0:8080" })).toThrow(/HOST "0.0.0.0:8080" must be an IP address to listen on/);
    expect(() => loadConfig({ ...complete, ELB_PUBLIC_KEYS_URL: "keys" })).toThrow(/ELB_PUBLIC_KEYS_URL "keys" must be an absolute URL/);
    expect(() => loadConfig({ ...complete, AWS_REGION: "Frankfurt" })).toThrow(/AWS_REGION "Frankfurt" is malformed/);
    expect(() => loadConfig({ ...complete, SHUTDOWN_DRAIN_MS: "25000" })).toThrow(/SHUTDOWN_DRAIN_MS "25000" must be .* below SHUTDOWN_TIMEOUT_MS/);
  });
});
