/**
 * STS over awsQuery (STS API Reference, GetCallerIdentity): `POST /` with `Action=GetCallerIdentity`,
 * verified against the credentials CreateSession minted (key, session token, HMAC signature,
 * expiry). Answers XML; errors as `<ErrorResponse>` with the real codes.
 */
import { randomUUID } from 'node:crypto';
import { STS_CODES, authenticateHmac } from '../auth/authenticate-hmac.js';
import { STS_VERSION, STS_XML_NAMESPACE } from '../constants.js';
import type { EmulatorContext } from '../context.js';
import type { WireRequest } from '../http/wire-request.js';
import { parseQueryPairs } from '../http/wire-request.js';
import { ServiceError } from '../service-error.js';

export const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function stsErrorXml(err: ServiceError, requestId: string): string {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${STS_XML_NAMESPACE}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(err.type)}</Code>\n` +
    `    <Message>${xmlEscape(err.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`
  );
}

export async function handleSts(ctx: EmulatorContext, wire: WireRequest): Promise<{ status: number; body: string }> {
  const params = new Map(parseQueryPairs(wire.rawQuery));
  const type = (wire.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (wire.method === 'POST' && type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of parseQueryPairs(wire.body.toString('utf8'))) params.set(k, v);
  }
  const identity = await authenticateHmac(ctx, wire, STS_CODES, { requireRegion: false, allowUnknownKeys: false });
  const action = params.get('Action');
  if (action === undefined) throw new ServiceError(400, 'MissingAction', 'Missing Action', 'missing_action');
  if (params.get('Version') !== STS_VERSION) {
    throw new ServiceError(400, 'InvalidParameterValue', `Invalid Version: ${(params.get('Version') ?? '').slice(0, 40)}`, 'bad_version');
  }
  if (action !== 'GetCallerIdentity') {
    throw new ServiceError(400, 'InvalidAction', `Could not find operation ${action.slice(0, 100)} for version ${STS_VERSION}`, 'invalid_action');
  }
  const s = identity.session!;
  const body =
    `<GetCallerIdentityResponse xmlns="${STS_XML_NAMESPACE}">\n  <GetCallerIdentityResult>\n` +
    `    <Arn>${xmlEscape(s.assumedRoleArn)}</Arn>\n    <UserId>${xmlEscape(s.assumedRoleId)}</UserId>\n` +
    `    <Account>${ctx.accountId}</Account>\n  </GetCallerIdentityResult>\n` +
    `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
  return { status: 200, body };
}
