/**
 * The Azure Container Registry keychain (ko embeds docker-credential-acr-env) for
 * `*.azurecr.io` (and the `.cn`, `.de`, `.us` clouds): a service principal from the
 * environment — `AZURE_CLIENT_ID`, `AZURE_TENANT_ID` and `AZURE_CLIENT_SECRET`, or a federated
 * token (`AZURE_FEDERATED_TOKEN` or `AZURE_FEDERATED_TOKEN_FILE`) — gets an Azure AD token,
 * which the registry's `/oauth2/exchange` turns into a refresh token: the identity token the
 * registry's token endpoint takes. The authority is `AZURE_AUTHORITY_HOST` when set, else
 * that of `AZURE_ENVIRONMENT` (the public cloud by default); the resource `AZURE_AD_RESOURCE`,
 * else that cloud's Resource Manager.
 */
import { describeFsError } from "../../util/atomic_file.ts";
import { KoError } from "../../util/errors.ts";
import type { Credential } from "../credentials.ts";
import type { EnvGetter } from "../docker_config.ts";
import type { RoundTrip } from "../round_trip.ts";
import { accessTokenOf, cloudJson, formRequest } from "./cloud_request.ts";

/** Authority and Resource Manager of each Azure cloud (go-autorest's environments). */
const CLOUDS: Record<string, { authority: string; resource: string }> = {
  AZUREPUBLICCLOUD: {
    authority: "https://login.microsoftonline.com/",
    resource: "https://management.azure.com/",
  },
  AZURECHINACLOUD: {
    authority: "https://login.chinacloudapi.cn/",
    resource: "https://management.chinacloudapi.cn/",
  },
  AZUREUSGOVERNMENTCLOUD: {
    authority: "https://login.microsoftonline.us/",
    resource: "https://management.usgovcloudapi.net/",
  },
  AZUREGERMANCLOUD: {
    authority: "https://login.microsoftonline.de/",
    resource: "https://management.microsoftazure.de/",
  },
};

/** The client credential fields of the token request, or undefined without a principal. */
async function principal(
  env: EnvGetter,
): Promise<{ fields: Record<string, string>; source: string } | undefined> {
  const clientId = env("AZURE_CLIENT_ID");
  const tenant = env("AZURE_TENANT_ID");
  if (!clientId || !tenant) return undefined;
  const secret = env("AZURE_CLIENT_SECRET");
  if (secret) {
    return {
      fields: { grant_type: "client_credentials", client_id: clientId, client_secret: secret },
      source: "AZURE_CLIENT_SECRET",
    };
  }
  let assertion = env("AZURE_FEDERATED_TOKEN");
  let source = "AZURE_FEDERATED_TOKEN";
  const file = env("AZURE_FEDERATED_TOKEN_FILE");
  if (!assertion && file) {
    try {
      assertion = (await Deno.readTextFile(file)).trim();
    } catch (err) {
      throw new KoError(
        `cannot read AZURE_FEDERATED_TOKEN_FILE "${file}": ${describeFsError(err)}`,
      );
    }
    source = `AZURE_FEDERATED_TOKEN_FILE (${file})`;
  }
  if (!assertion) return undefined;
  return {
    fields: {
      grant_type: "client_credentials",
      client_id: clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    },
    source,
  };
}

/**
 * The identity token for an Azure Container Registry, undefined when no service principal is
 * in the environment. Throws a KoError naming the step and source when one fails.
 */
export async function azureCredential(
  registry: string,
  env: EnvGetter,
  send: RoundTrip,
): Promise<Credential | undefined> {
  const found = await principal(env);
  if (found === undefined) return undefined;
  const tenant = env("AZURE_TENANT_ID")!;
  const cloudName = (env("AZURE_ENVIRONMENT") || "AzurePublicCloud").toUpperCase();
  const cloud = CLOUDS[cloudName];
  if (cloud === undefined) {
    throw new KoError(
      `AZURE_ENVIRONMENT "${env("AZURE_ENVIRONMENT")}" is none of ${
        Object.keys(CLOUDS).join(", ")
      }`,
    );
  }
  const authority = (env("AZURE_AUTHORITY_HOST") || cloud.authority).replace(/\/*$/, "/");
  const what = `Azure credentials for ${registry} (from ${found.source})`;
  const tokenUrl = new URL(`${authority}${encodeURIComponent(tenant)}/oauth2/token`);
  tokenUrl.searchParams.set("api-version", "1.0");
  const aad = accessTokenOf(
    await cloudJson(send, {
      method: "POST",
      url: tokenUrl,
      ...formRequest({ ...found.fields, resource: env("AZURE_AD_RESOURCE") || cloud.resource }),
      what,
    }),
    what,
  );
  const exchanged = await cloudJson(send, {
    method: "POST",
    url: new URL(`https://${registry}/oauth2/exchange`),
    ...formRequest({
      grant_type: "access_token",
      service: registry,
      tenant,
      access_token: aad.token,
    }),
    what,
  });
  const refresh = exchanged.refresh_token;
  if (typeof refresh !== "string" || refresh === "") {
    throw new KoError(`${what}: the registry's /oauth2/exchange answered without a refresh_token`);
  }
  return {
    identityToken: refresh,
    source: `Azure AD (${found.source}) and ${registry}/oauth2/exchange`,
  };
}
