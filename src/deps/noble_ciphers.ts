/**
 * NaCl secretbox (XSalsa20-Poly1305) from @noble/ciphers (audited, plain JavaScript): the
 * cipher of cosign's encrypted private keys.
 */
export { xsalsa20poly1305 } from "npm:@noble/ciphers@2.4.0/salsa.js";
