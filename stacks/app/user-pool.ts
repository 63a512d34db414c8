import { Construct } from "constructs";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { SIGNED_OUT_PATH } from "../naming";

export interface UserPoolProps {
  /** User pool and app client name. */
  readonly name: string;
  readonly region: string;
  /** Hosted UI domain prefix: `<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
  /** The app's domain name; the ALB's callback and the logout targets live there. */
  readonly appDomain: string;
  /** @default false */
  readonly selfSignUp?: boolean;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** @default 12 */
  readonly passwordMinLength?: number;
  /** TOTP at every sign-in. @default false */
  readonly mfa?: boolean;
  /** Validity of the app client's tokens, in minutes. @default - Cognito's: access and ID 60, refresh 30 days */
  readonly tokenValidity?: TokenValidity;
}

export interface TokenValidity {
  readonly accessTokenMinutes: number;
  readonly idTokenMinutes: number;
  readonly refreshTokenMinutes: number;
}

/**
 * A Cognito user pool with email sign-in, its hosted UI domain, and the app
 * client the ALB uses for the authorization code flow.
 */
export class UserPool extends Construct {
  readonly pool: CognitoUserPool;
  readonly domain: CognitoUserPoolDomain;
  readonly client: CognitoUserPoolClient;
  /** Token issuer the app checks: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** Hosted UI host name, e.g. `my-login.auth.eu-central-1.amazoncognito.com`. */
  readonly hostedUiDomain: string;
  /** Cognito's logout endpoint, sending the user to the public signed-out page afterwards. */
  readonly logoutUrl: string;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    const selfSignUp = props.selfSignUp ?? false;
    const deletionProtection = props.deletionProtection ?? true;
    const appUrl = `https://${props.appDomain}`;
    const signedOutUrl = `${appUrl}${SIGNED_OUT_PATH}`;

    this.pool = new CognitoUserPool(this, "pool", {
      name: props.name,
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
      usernameConfiguration: { caseSensitive: false },
      adminCreateUserConfig: { allowAdminCreateUserOnly: !selfSignUp },
      passwordPolicy: {
        minimumLength: props.passwordMinLength ?? 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 3,
      },
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      deletionProtection: deletionProtection ? "ACTIVE" : "INACTIVE",
      // A destroy stops at plan time, before it deletes anything, not at the pool itself.
      lifecycle: deletionProtection ? { preventDestroy: true } : undefined,
      // TOTP only: SMS would need an SNS role, spending limits and per-message costs.
      mfaConfiguration: props.mfa ? "ON" : "OFF",
      softwareTokenMfaConfiguration: props.mfa ? { enabled: true } : undefined,
      // Cognito's own email sender: 50 messages a day. Switch to SES for real volume.
      emailConfiguration: { emailSendingAccount: "COGNITO_DEFAULT" },
    });

    this.domain = new CognitoUserPoolDomain(this, "domain", {
      domain: props.domainPrefix,
      userPoolId: this.pool.id,
      // 1 = the classic hosted UI, which works as is. 2 (managed login) shows an error
      // page until a branding style (aws_cognito_managed_login_branding) exists.
      managedLoginVersion: 1,
    });

    this.client = new CognitoUserPoolClient(this, "client", {
      name: props.name,
      userPoolId: this.pool.id,
      // The ALB is a confidential client: it authenticates to the token endpoint.
      generateSecret: true,
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ["code"],
      allowedOauthScopes: ["openid", "email", "profile"],
      supportedIdentityProviders: ["COGNITO"],
      callbackUrls: [`${appUrl}/oauth2/idpresponse`],
      defaultRedirectUri: `${appUrl}/oauth2/idpresponse`,
      logoutUrls: [`${appUrl}/`, signedOutUrl],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      ...(props.tokenValidity && {
        accessTokenValidity: props.tokenValidity.accessTokenMinutes,
        idTokenValidity: props.tokenValidity.idTokenMinutes,
        refreshTokenValidity: props.tokenValidity.refreshTokenMinutes,
        tokenValidityUnits: [{ accessToken: "minutes", idToken: "minutes", refreshToken: "minutes" }],
      }),
      // The ALB signs users in through the hosted UI (authorization code flow) and renews
      // sessions with refresh tokens; it never calls InitiateAuth. Any other flow would let a
      // script try passwords against the user pool API with this client id, page or no page.
      explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
    });

    this.issuer = `https://cognito-idp.${props.region}.amazonaws.com/${this.pool.id}`;
    this.hostedUiDomain = `${this.domain.domain}.auth.${props.region}.amazoncognito.com`;
    this.logoutUrl = `https://${this.hostedUiDomain}/logout?client_id=${this.client.id}&logout_uri=${encodeURIComponent(signedOutUrl)}`;
  }
}
