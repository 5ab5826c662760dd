/**
 * cosign's signed payload for an image ("simple signing", containers/image's signature JSON):
 * the claimed identity (the repository) and the manifest digest it vouches for, written as Go's
 * `json.Marshal` writes it, since these exact bytes are signed.
 */

/** The media type of a layer that holds a simple-signing payload. */
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";

/**
 * The payload cosign signs for `digest` published as `identity` (`registry/repository`, as
 * go-containerregistry names it, e.g. `index.docker.io/library/app`).
 */
export function simpleSigningPayload(identity: string, digest: string): Uint8Array {
  const payload = {
    critical: {
      identity: { "docker-reference": identity },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    },
    optional: null,
  };
  return new TextEncoder().encode(JSON.stringify(payload));
}
