/** Annotation keys ko reads and writes (OCI image-spec `org.opencontainers.image.*`). */

/** The base image's reference name (`org.opencontainers.image.base.name`). */
export const BASE_NAME_ANNOTATION = "org.opencontainers.image.base.name";
/** The base image's digest (`org.opencontainers.image.base.digest`). */
export const BASE_DIGEST_ANNOTATION = "org.opencontainers.image.base.digest";
/** A reference name in an OCI layout's index (`org.opencontainers.image.ref.name`). */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
