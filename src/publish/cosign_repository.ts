/**
 * `COSIGN_REPOSITORY`: where cosign (and ko) keep the `sha256-<hex>.sbom|sig|att` tags instead
 * of next to the image. Parsed once per run, before anything is built.
 */
import { parseRepository, type Repository } from "../oci/reference.ts";
import { errorMessage, KoError } from "../util/errors.ts";

/** Parses `COSIGN_REPOSITORY` (plain HTTP allowed with `--insecure-registry`). */
export function parseCosignRepository(value: string, insecure: boolean): Repository {
  let repo: Repository;
  try {
    repo = parseRepository(value, { insecure });
  } catch (e) {
    throw new KoError(`invalid COSIGN_REPOSITORY "${value}": ${errorMessage(e)}`, { cause: e });
  }
  if (repo.repository === "") {
    throw new KoError(
      `invalid COSIGN_REPOSITORY "${value}": name a repository, not just a registry (e.g. ${repo.registry}/signatures)`,
    );
  }
  return repo;
}
