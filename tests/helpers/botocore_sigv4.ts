/**
 * Reference AWS SigV4 signatures from botocore (Debian's `python3-botocore`, the AWS SDK for
 * Python's core): the canonical request and signature botocore computes for a request, at a
 * given time. An independent implementation to check ours against, in tests and in the ECR
 * API stand-in.
 */
import { run } from "./tools.ts";

/** A request as botocore is asked to sign it. */
export interface BotocoreRequest {
  method: string;
  url: string;
  /** Every header to sign (botocore signs all but a few, such as User-Agent). */
  headers: Record<string, string>;
  body: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  /** `YYYYMMDDTHHMMSSZ`; also sent as `X-Amz-Date`. */
  amzDate: string;
}

/** What botocore computed. */
export interface BotocoreSignature {
  canonicalRequest: string;
  signature: string;
  authorization: string;
}

const PYTHON = "/usr/bin/python3";

const SCRIPT = `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
d = json.load(sys.stdin)
creds = Credentials(d["accessKeyId"], d["secretAccessKey"], d.get("sessionToken"))
req = AWSRequest(method=d["method"], url=d["url"], headers=d["headers"], data=d["body"].encode())
auth = SigV4Auth(creds, d["service"], d["region"])
req.context["timestamp"] = d["amzDate"]
for name in list(req.headers.keys()):
    if name.lower() in ("x-amz-date", "x-amz-security-token"):
        del req.headers[name]
req.headers["X-Amz-Date"] = d["amzDate"]
if creds.token:
    req.headers["X-Amz-Security-Token"] = creds.token
canonical = auth.canonical_request(req)
signature = auth.signature(auth.string_to_sign(req, canonical), req)
signed = auth.signed_headers(auth.headers_to_sign(req))
print(json.dumps({
    "canonicalRequest": canonical,
    "signature": signature,
    "authorization": "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=%s, Signature=%s"
        % (auth.scope(req), signed, signature),
}))
`;

let availability: Promise<string | undefined> | undefined;

/** Why botocore cannot be used here, or undefined when Debian's python3-botocore is installed. */
export function botocoreUnavailableReason(): Promise<string | undefined> {
  availability ??= run(PYTHON, ["-c", "import botocore"]).then(
    (r) => r.code === 0 ? undefined : "python3-botocore is not installed",
    () => `${PYTHON} is not installed`,
  );
  return availability;
}

/** Signs a request with botocore. */
export async function botocoreSign(req: BotocoreRequest): Promise<BotocoreSignature> {
  const r = await run(PYTHON, ["-c", SCRIPT], { stdin: JSON.stringify(req) });
  if (r.code !== 0) throw new Error(`botocore failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
