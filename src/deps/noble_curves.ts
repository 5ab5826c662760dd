/**
 * The signature schemes of @noble/curves (audited, plain JavaScript) that `--sign-key` signs
 * with: ECDSA over P-256 and Ed25519. Both sign deterministically (RFC 6979 for ECDSA), so
 * signing an unchanged image again gives the same signature and nothing new to push.
 */
export { p256 } from "npm:@noble/curves@2.4.0/nist.js";
export { ed25519 } from "npm:@noble/curves@2.4.0/ed25519.js";
