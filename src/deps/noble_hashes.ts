/**
 * The parts of @noble/hashes (audited hash functions in plain JavaScript, HMAC for AWS
 * request signing, and scrypt: the key derivation of cosign's encrypted keys) that ko uses,
 * named here once by full versioned `npm:` specifiers so that the module graph resolves
 * without an import map and the version is pinned in one place.
 */
export { sha256, sha512 } from "npm:@noble/hashes@2.4.0/sha2.js";
export { md5, sha1 } from "npm:@noble/hashes@2.4.0/legacy.js";
export { bytesToHex } from "npm:@noble/hashes@2.4.0/utils.js";
export { scryptAsync } from "npm:@noble/hashes@2.4.0/scrypt.js";
export { hmac } from "npm:@noble/hashes@2.4.0/hmac.js";
