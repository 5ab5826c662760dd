/**
 * The ports Deno's `fetch` refuses to connect to: the WHATWG Fetch standard's "bad ports"
 * (6000, 6665–6669, 10080, 2049…), which browsers block to protect other protocols. A
 * registry may legally listen on any of them, so requests to these ports take the
 * connection layer's other route (connection.ts).
 */

/** The Fetch standard's bad ports, as Deno 2 applies them. */
const BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1,
  7,
  9,
  11,
  13,
  15,
  17,
  19,
  20,
  21,
  22,
  23,
  25,
  37,
  42,
  43,
  53,
  69,
  77,
  79,
  87,
  95,
  101,
  102,
  103,
  104,
  109,
  110,
  111,
  113,
  115,
  117,
  119,
  123,
  135,
  137,
  139,
  143,
  161,
  179,
  389,
  427,
  465,
  512,
  513,
  514,
  515,
  526,
  530,
  531,
  532,
  540,
  548,
  554,
  556,
  563,
  587,
  601,
  636,
  989,
  990,
  993,
  995,
  1719,
  1720,
  1723,
  2049,
  3659,
  4045,
  4190,
  5060,
  5061,
  6000,
  6566,
  6665,
  6666,
  6667,
  6668,
  6669,
  6679,
  6697,
  10080,
]);

/** The port a URL connects to (its explicit port, else the scheme's default). */
function portOf(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/** Whether `fetch` would refuse this URL because of its port. */
export function fetchBlocksPort(url: URL): boolean {
  return BLOCKED_PORTS.has(portOf(url));
}

/** Every port `fetch` refuses, for tests that compare the list with Deno's behaviour. */
export function blockedPorts(): number[] {
  return [...BLOCKED_PORTS];
}
