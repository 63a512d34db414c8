import { Construct } from "constructs";
import { TerraformIterator } from "cdktf";
import { CognitoResourceServer } from "@cdktf/provider-aws/lib/cognito-resource-server";
import { CognitoUserGroup } from "@cdktf/provider-aws/lib/cognito-user-group";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";

export interface RoutePolicyRule {
  readonly path: string;
  readonly groups: readonly string[];
}

export interface ApiProps {
  /** The resource server's identifier, the first part of every scope. */
  readonly identifier: string;
  /** Scope name -> description. */
  readonly scopes: Readonly<Record<string, string>>;
  /** The scope a bearer request must carry. */
  readonly requiredScope: string;
  /** One confidential client credentials app client each; `scopes` default to the required one. */
  readonly clients: ReadonlyArray<{ readonly name: string; readonly scopes?: readonly string[] }>;
}

export interface AuthorizationProps {
  /** `<project>-<env>`: the machine clients are named `<prefix>-<name>`. */
  readonly namePrefix: string;
  readonly userPoolId: string;
  /** Which groups a path needs; every group named here is created. */
  readonly routes: readonly RoutePolicyRule[];
  /** @default - no resource server, no machine clients */
  readonly api?: ApiProps;
  /** A machine client's access token validity, minutes. */
  readonly accessTokenMinutes: number;
}

/**
 * Who may do what, in the user pool: the groups the route policy names, and for machine
 * clients a resource server with the API's scopes and one confidential app client each
 * (client credentials grant only, no hosted UI, no users).
 */
export class Authorization extends Construct {
  /** `<identifier>/<requiredScope>`: what the listener rule and the app require. */
  readonly apiScope?: string;
  readonly machineClients: CognitoUserPoolClient[] = [];

  constructor(scope: Construct, id: string, props: AuthorizationProps) {
    super(scope, id);
    const groups = [...new Set(props.routes.flatMap((rule) => rule.groups))].sort();
    if (groups.length > 0) {
      // Keyed by the name: adding or removing a group never touches the others (or their members).
      const byName = TerraformIterator.fromMap(
        Object.fromEntries(groups.map((group) => [group, `Needed for ${props.routes.filter((r) => r.groups.includes(group)).map((r) => r.path).join(", ")}`])),
      );
      new CognitoUserGroup(this, "groups", { forEach: byName, userPoolId: props.userPoolId, name: byName.key, description: byName.value });
    }

    const { api } = props;
    if (!api) return;
    const server = new CognitoResourceServer(this, "resource-server", {
      userPoolId: props.userPoolId,
      identifier: api.identifier,
      name: `${props.namePrefix}-api`,
      scope: Object.entries(api.scopes).map(([scopeName, scopeDescription]) => ({ scopeName, scopeDescription })),
    });
    this.apiScope = `${api.identifier}/${api.requiredScope}`;
    for (const client of api.clients) {
      this.machineClients.push(
        new CognitoUserPoolClient(this, `client-${client.name}`, {
          name: `${props.namePrefix}-${client.name}`,
          userPoolId: props.userPoolId,
          generateSecret: true,
          allowedOauthFlowsUserPoolClient: true,
          allowedOauthFlows: ["client_credentials"],
          allowedOauthScopes: (client.scopes ?? [api.requiredScope]).map((s) => `${api.identifier}/${s}`),
          // No user sign-in of any kind through this client.
          explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
          preventUserExistenceErrors: "ENABLED",
          enableTokenRevocation: true,
          accessTokenValidity: props.accessTokenMinutes,
          tokenValidityUnits: [{ accessToken: "minutes" }],
          // The scopes must exist before a client may be granted them.
          dependsOn: [server],
        }),
      );
    }
  }
}
