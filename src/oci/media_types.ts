/** Media types of the OCI image spec and their Docker schema 2 equivalents. */
export const MediaType = {
  OciManifest: "application/vnd.oci.image.manifest.v1+json",
  OciIndex: "application/vnd.oci.image.index.v1+json",
  OciConfig: "application/vnd.oci.image.config.v1+json",
  OciLayer: "application/vnd.oci.image.layer.v1.tar",
  OciLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  OciLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  OciEmpty: "application/vnd.oci.empty.v1+json",
  OciLayoutHeader: "application/vnd.oci.layout.header.v1+json",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  DockerConfig: "application/vnd.docker.container.image.v1+json",
  DockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DockerLayerZstd: "application/vnd.docker.image.rootfs.diff.tar.zstd",
  DockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  DockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  DockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  DockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  SpdxJson: "text/spdx+json",
  CycloneDxJson: "application/vnd.cyclonedx+json",
  GoVersionM: "application/vnd.go.version-m",
} as const;

/** The `Accept` list for manifest requests: every manifest and index type we can read. */
export const MANIFEST_ACCEPT: readonly string[] = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
  MediaType.DockerSchema1,
  MediaType.DockerSchema1Signed,
];

/** Whether a media type is an index (OCI image index or Docker manifest list). */
export function isIndexMediaType(mt: string): boolean {
  return mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;
}

/** Whether a media type is a single-image manifest (OCI or Docker schema 2). */
export function isImageMediaType(mt: string): boolean {
  return mt === MediaType.OciManifest || mt === MediaType.DockerManifest;
}

/** Whether a media type belongs to the Docker family rather than OCI. */
function isDockerMediaType(mt: string): boolean {
  return mt.startsWith("application/vnd.docker.");
}

/** Whether a layer media type is compressed with gzip. */
export function isGzipLayer(mt: string): boolean {
  return mt.endsWith("+gzip") || mt.endsWith(".tar.gzip");
}

/** Whether a layer media type is compressed with zstd. */
export function isZstdLayer(mt: string): boolean {
  return mt.endsWith("+zstd") || mt.endsWith(".tar.zstd");
}

/** The gzip layer media type matching a manifest media type's family (ko-behaviour 5.9). */
export function layerMediaTypeFor(
  manifestMediaType: string,
  compression: "gzip" | "zstd" = "gzip",
): string {
  const docker = isDockerMediaType(manifestMediaType);
  if (compression === "zstd") return docker ? MediaType.DockerLayerZstd : MediaType.OciLayerZstd;
  return docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip;
}
