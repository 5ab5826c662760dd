/**
 * Stand-ins for the cloud credential endpoints ko's built-in keychains call: Google's OAuth2
 * token endpoint and metadata server, Amazon ECR's API, Azure AD's token endpoint and an
 * Azure Container Registry's `/oauth2/exchange`. These clouds cannot run on our machines, so
 * small loopback servers answer as they do, checking what they are sent (a JWT signed with
 * the service account's key, a SigV4 signature recomputed by botocore, client secrets) and
 * issuing credentials that the real registry (Debian's docker-registry behind its token
 * server) accepts. Everything else sent to the ACR name is passed on to that registry.
 *
 * The HTTPS endpoints answer for their public names with the test leaf (test_certs.ts); reach
 * them through a CONNECT proxy (connect_proxy.ts) routing those names to {@link port}.
 */
import { createPublicKey, randomBytes, verify } from "node:crypto";
import { join } from "node:path";
import { botocoreSign } from "./botocore_sigv4.ts";
import { testTlsCerts } from "./test_certs.ts";
import { runOk } from "./tools.ts";

/** Names the stand-ins answer for (all in the test leaf's certificate). */
export const CLOUD_API_HOSTS = [
  "oauth2.googleapis.com",
  "api.ecr.us-east-1.amazonaws.com",
  "login.microsoftonline.com",
] as const;

/** The ACR registry name whose `/oauth2/exchange` is stood in for. */
export const ACR_REGISTRY = "kotest.azurecr.io";

/** What the stand-ins accept and issue. */
export interface CloudSecrets {
  /** The access token Google's endpoints issue (the registry's `_token` password). */
  googleAccessToken: string;
  /** The password GetAuthorizationToken gives the user `AWS`. */
  ecrPassword: string;
  awsAccessKeyId: string;
  awsSecretAccessKey: string;
  azureTenant: string;
  azureClientId: string;
  azureClientSecret: string;
  /** A workload identity token (`AZURE_FEDERATED_TOKEN_FILE`) Azure AD takes for the client. */
  azureFederatedToken: string;
  /** The refresh token the ACR exchange issues (the registry's token server takes it). */
  acrRefreshToken: string;
  /** A gcloud user's `authorized_user` credentials. */
  googleUser: { clientId: string; clientSecret: string; refreshToken: string };
}

/** The running stand-ins. */
export interface CloudStandIns extends AsyncDisposable {
  /** The HTTPS port every public name above is served on. */
  port: number;
  /** `127.0.0.1:PORT` of the (plain HTTP) metadata server, for `GCE_METADATA_HOST`. */
  metadataHost: string;
  secrets: CloudSecrets;
  /** Writes a service account key file (JSON, with its RSA key) into `dir`; returns its path. */
  writeServiceAccountKey(dir: string): Promise<string>;
  /** Writes gcloud's `application_default_credentials.json` (a user's) into `dir`. */
  writeAuthorizedUser(dir: string): Promise<string>;
  /** Every request answered, as `host method path → status`. */
  log: string[];
  stop(): Promise<void>;
}

/** Random secrets for one run of the stand-ins. */
export function cloudSecrets(): CloudSecrets {
  const hex = (n: number) => randomBytes(n).toString("hex");
  return {
    googleAccessToken: `ya29.${hex(16)}`,
    ecrPassword: hex(20),
    awsAccessKeyId: `AKIA${hex(8).toUpperCase()}`,
    awsSecretAccessKey: hex(20),
    azureTenant: crypto.randomUUID(),
    azureClientId: crypto.randomUUID(),
    azureClientSecret: hex(16),
    azureFederatedToken: `eyJ.${hex(24)}`,
    acrRefreshToken: hex(24),
    googleUser: { clientId: `${hex(6)}.apps`, clientSecret: hex(12), refreshToken: hex(20) },
  };
}

const json = (status: number, body: unknown) => Response.json(body, { status });

function base64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

/**
 * Starts the stand-ins. `registryPort` is the TLS docker-registry that other requests to the
 * ACR name are passed on to.
 */
export async function startCloudStandIns(
  registryPort: number,
  secrets: CloudSecrets = cloudSecrets(),
): Promise<CloudStandIns> {
  const certs = await testTlsCerts();
  const keyDir = await Deno.makeTempDir({ prefix: "ko-cloud-" });
  const saKey = join(keyDir, "sa-key.pem");
  await runOk("openssl", [
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:2048",
    "-out",
    saKey,
  ]);
  const saKeyPem = await Deno.readTextFile(saKey);
  const saPublic = createPublicKey(saKeyPem);
  const saEmail = "ko-pusher@ko-test.iam.gserviceaccount.com";
  const upstream = Deno.createHttpClient({ caCerts: [certs.ca.certPem] });
  const log: string[] = [];

  const google = async (req: Request): Promise<Response> => {
    const form = new URLSearchParams(await req.text());
    const grant = form.get("grant_type");
    if (grant === "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      const [h, c, s] = (form.get("assertion") ?? "").split(".");
      const ok = h && c && s && verify(
        "RSA-SHA256",
        new TextEncoder().encode(`${h}.${c}`),
        saPublic,
        Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (x) => x.charCodeAt(0)),
      );
      const claims = ok ? base64urlJson(c) : {};
      const now = Date.now() / 1000;
      if (
        !ok || base64urlJson(h).alg !== "RS256" || claims.iss !== saEmail ||
        claims.aud !== "https://oauth2.googleapis.com/token" ||
        !String(claims.scope).includes("cloud-platform") || Number(claims.exp) < now
      ) {
        return json(400, { error: "invalid_grant", error_description: "Invalid JWT Signature." });
      }
    } else if (grant === "refresh_token") {
      const u = secrets.googleUser;
      if (
        form.get("client_id") !== u.clientId || form.get("client_secret") !== u.clientSecret ||
        form.get("refresh_token") !== u.refreshToken
      ) {
        return json(400, {
          error: "invalid_grant",
          error_description: "Token has been expired or revoked.",
        });
      }
    } else {
      return json(400, { error: "unsupported_grant_type" });
    }
    return json(200, {
      access_token: secrets.googleAccessToken,
      expires_in: 3599,
      token_type: "Bearer",
    });
  };

  const ecr = async (req: Request): Promise<Response> => {
    const body = await req.text();
    const auth = req.headers.get("authorization") ?? "";
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/
        .exec(auth);
    const deny = (type: string, message: string) =>
      json(type === "UnrecognizedClientException" ? 400 : 403, { __type: type, message });
    if (!m || m[1] !== secrets.awsAccessKeyId) {
      return deny(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    const headers: Record<string, string> = {};
    for (const name of m[4]!.split(";")) {
      if (name !== "host") headers[name] = req.headers.get(name) ?? "";
    }
    const reference = await botocoreSign({
      method: req.method,
      url: req.url,
      headers,
      body,
      accessKeyId: secrets.awsAccessKeyId,
      secretAccessKey: secrets.awsSecretAccessKey,
      ...(headers["x-amz-security-token"] ? { sessionToken: headers["x-amz-security-token"] } : {}),
      region: m[2]!,
      service: m[3]!,
      amzDate: headers["x-amz-date"] ?? "",
    });
    if (reference.authorization !== auth) {
      return deny(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided.",
      );
    }
    if (
      req.headers.get("x-amz-target") !==
        "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
    ) {
      return deny("UnknownOperationException", "unknown operation");
    }
    return json(200, {
      authorizationData: [{
        authorizationToken: btoa(`AWS:${secrets.ecrPassword}`),
        expiresAt: Math.floor(Date.now() / 1000) + 43200,
        proxyEndpoint: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
      }],
    });
  };

  const azureAd = async (req: Request, url: URL): Promise<Response> => {
    const form = new URLSearchParams(await req.text());
    if (
      url.pathname !== `/${secrets.azureTenant}/oauth2/token` ||
      form.get("grant_type") !== "client_credentials" ||
      form.get("client_id") !== secrets.azureClientId ||
      (form.get("client_secret") !== secrets.azureClientSecret &&
        !(form.get("client_assertion") === secrets.azureFederatedToken &&
          form.get("client_assertion_type") ===
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")) ||
      form.get("resource") !== "https://management.azure.com/"
    ) {
      return json(401, {
        error: "invalid_client",
        error_description: "AADSTS7000215: Invalid client secret provided.",
      });
    }
    return json(200, {
      access_token: `aad.${secrets.azureClientId}`,
      expires_in: "3599",
      token_type: "Bearer",
    });
  };

  const acr = async (req: Request, url: URL): Promise<Response> => {
    if (url.pathname === "/oauth2/exchange") {
      const form = new URLSearchParams(await req.text());
      if (
        form.get("grant_type") !== "access_token" || form.get("service") !== ACR_REGISTRY ||
        form.get("tenant") !== secrets.azureTenant ||
        form.get("access_token") !== `aad.${secrets.azureClientId}`
      ) {
        return json(401, { errors: [{ code: "UNAUTHORIZED", message: "invalid access token" }] });
      }
      return json(200, { refresh_token: secrets.acrRefreshToken });
    }
    const target = new URL(`${url.pathname}${url.search}`, `https://127.0.0.1:${registryPort}`);
    const headers = new Headers(req.headers);
    headers.delete("host");
    // The registry writes upload locations under the name it was asked by.
    headers.set("x-forwarded-host", ACR_REGISTRY);
    headers.set("x-forwarded-proto", "https");
    return await fetch(target, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
      client: upstream,
    });
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: certs.leaf.certPem,
    key: certs.leaf.keyPem,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    const res = url.hostname === "oauth2.googleapis.com" && url.pathname === "/token"
      ? await google(req)
      : url.hostname === "api.ecr.us-east-1.amazonaws.com"
      ? await ecr(req)
      : url.hostname === "login.microsoftonline.com"
      ? await azureAd(req, url)
      : url.hostname === ACR_REGISTRY
      ? await acr(req, url)
      : new Response("no stand-in here\n", { status: 404 });
    log.push(`${url.hostname} ${req.method} ${url.pathname} → ${res.status}`);
    return res;
  });

  const metadata = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    const ok = req.headers.get("metadata-flavor") === "Google" &&
      url.pathname === "/computeMetadata/v1/instance/service-accounts/default/token";
    log.push(`metadata ${req.method} ${url.pathname} → ${ok ? 200 : 403}`);
    return ok
      ? json(200, {
        access_token: secrets.googleAccessToken,
        expires_in: 3599,
        token_type: "Bearer",
      })
      : new Response("Missing Metadata-Flavor:Google header.", { status: 403 });
  });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await server.shutdown();
      await metadata.shutdown();
      upstream.close();
      await Deno.remove(keyDir, { recursive: true }).catch(() => {});
    })();
    return stopped;
  };
  return {
    port: server.addr.port,
    metadataHost: `127.0.0.1:${metadata.addr.port}`,
    secrets,
    log,
    async writeServiceAccountKey(dir) {
      const path = join(dir, "service-account.json");
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          type: "service_account",
          project_id: "ko-test",
          private_key_id: randomBytes(20).toString("hex"),
          private_key: saKeyPem,
          client_email: saEmail,
          client_id: "1234567890",
          token_uri: "https://oauth2.googleapis.com/token",
        }),
      );
      return path;
    },
    async writeAuthorizedUser(dir) {
      const path = join(dir, "application_default_credentials.json");
      const u = secrets.googleUser;
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          type: "authorized_user",
          client_id: u.clientId,
          client_secret: u.clientSecret,
          refresh_token: u.refreshToken,
        }),
      );
      return path;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
