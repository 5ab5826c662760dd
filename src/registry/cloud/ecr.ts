/**
 * The Amazon ECR keychain (ko embeds the ECR credential helper): for a registry
 * `<account>.dkr.ecr[-fips].<region>.amazonaws.com` (or `public.ecr.aws`, cloud_hosts.ts) and AWS credentials
 * in the environment or shared files (aws_credentials.ts), a SigV4-signed
 * `GetAuthorizationToken` call gives the password of the user `AWS`. The API endpoint is
 * `AWS_ENDPOINT_URL_ECR` or `AWS_ENDPOINT_URL` when set, as in the AWS SDKs.
 */
import { KoError } from "../../util/errors.ts";
import type { Credential } from "../credentials.ts";
import type { EnvGetter } from "../docker_config.ts";
import type { RoundTrip } from "../round_trip.ts";
import { findAwsCredentials } from "./aws_credentials.ts";
import { ECR_HOST, registryHostname } from "./cloud_hosts.ts";
import { cloudJson } from "./cloud_request.ts";
import { amzDate, authorizationHeader } from "./sigv4.ts";

/** What an ECR registry name says: private (account, region, domain) or public. */
interface EcrRegistry {
  readonly service: "ecr" | "ecr-public";
  readonly account?: string;
  readonly region: string;
  readonly endpoint: URL;
}

/** The ECR registry a name stands for, with the API endpoint to ask. */
function ecrRegistry(registry: string, env: EnvGetter): EcrRegistry {
  const host = registryHostname(registry);
  const configured = env("AWS_ENDPOINT_URL_ECR") || env("AWS_ENDPOINT_URL");
  const m = ECR_HOST.exec(host);
  if (!m) {
    const endpoint = configured || "https://api.ecr-public.us-east-1.amazonaws.com/";
    return { service: "ecr-public", region: "us-east-1", endpoint: new URL(endpoint) };
  }
  const [, account, fips, region, domain] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const apiDomain = domain.startsWith("amazonaws.") ? domain : `amazonaws.com`;
  const endpoint = configured ||
    (fips ? `https://ecr-fips.${region}.${apiDomain}/` : `https://api.ecr.${region}.${apiDomain}/`);
  return { service: "ecr", account, region, endpoint: new URL(endpoint) };
}

/**
 * The ECR credentials of a registry: undefined when no AWS credentials are configured.
 * Throws a KoError naming the credentials' source when the call fails.
 */
export async function ecrCredential(
  registry: string,
  env: EnvGetter,
  send: RoundTrip,
  now: () => Date = () => new Date(),
): Promise<Credential | undefined> {
  const aws = await findAwsCredentials(env);
  if (aws === undefined) return undefined;
  const ecr = ecrRegistry(registry, env);
  const what = `Amazon ECR credentials for ${registry} (from ${aws.source})`;
  const target = ecr.service === "ecr"
    ? "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
    : "SpencerFrontendService.GetAuthorizationToken";
  const body = new TextEncoder().encode(
    ecr.account ? JSON.stringify({ registryIds: [ecr.account] }) : "{}",
  );
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.1",
    "x-amz-date": amzDate(now()),
    "x-amz-target": target,
    ...(aws.sessionToken ? { "x-amz-security-token": aws.sessionToken } : {}),
  };
  headers.authorization = authorizationHeader(
    { method: "POST", url: ecr.endpoint, headers, body },
    aws,
    { region: ecr.region, service: ecr.service, amzDate: headers["x-amz-date"]! },
  );
  const answer = await cloudJson(send, {
    method: "POST",
    url: ecr.endpoint,
    headers,
    body,
    what,
  });
  const data = Array.isArray(answer.authorizationData)
    ? answer.authorizationData[0]
    : answer.authorizationData;
  const token = (data as Record<string, unknown> | undefined)?.authorizationToken;
  let decoded = "";
  try {
    decoded = typeof token === "string" ? atob(token) : "";
  } catch {
    // reported below
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new KoError(`${what}: GetAuthorizationToken answered without a token`);
  const expires = Number((data as Record<string, unknown>).expiresAt);
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    source: `Amazon ECR GetAuthorizationToken (${aws.source})`,
    ...(Number.isFinite(expires) ? { expiresAt: expires * 1000 } : {}),
  };
}
