/**
 * Which built-in keychain answers for a registry, by its host name (ko's keychains each
 * answer only for their own cloud's registries). Kept apart from the keychains themselves so
 * that a run loads a cloud's code only when it talks to that cloud's registry.
 */

/** `<account>.dkr.ecr[-fips].<region>.<domain>`, as the ECR credential helper matches it. */
export const ECR_HOST =
  /^(\d{12})\.dkr[.-]ecr(-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;
const ECR_PUBLIC_HOSTS = new Set(["public.ecr.aws", "ecr-public.aws.com"]);
const GITHUB_HOSTS = new Set(["ghcr.io", "docker.pkg.github.com"]);
const ACR_HOST = /\.azurecr\.(?:io|cn|de|us)$/;

/** The host name of a registry (`host[:port]`), lower case. */
export function registryHostname(registry: string): string {
  return registry.replace(/:\d+$/, "").toLowerCase();
}

/** Amazon ECR, private or public. */
export function isEcrRegistry(registry: string): boolean {
  const host = registryHostname(registry);
  return ECR_HOST.test(host) || ECR_PUBLIC_HOSTS.has(host);
}

/** Google Container Registry and Artifact Registry. */
export function isGoogleRegistry(registry: string): boolean {
  const host = registryHostname(registry);
  return host === "gcr.io" || host.endsWith(".gcr.io") || host.endsWith(".pkg.dev") ||
    host.endsWith(".google.com");
}

/** GitHub's container registry (and its older Packages registry). */
export function isGithubRegistry(registry: string): boolean {
  return GITHUB_HOSTS.has(registryHostname(registry));
}

/** Azure Container Registry. */
export function isAzureRegistry(registry: string): boolean {
  return ACR_HOST.test(registryHostname(registry));
}
