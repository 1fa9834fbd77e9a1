/**
 * Where `rapki aws status|crl-push|unregister` talk to Roles Anywhere: the region and endpoint
 * given as flags, else those `rapki aws register` stored with the CA's CRL sync target (so the
 * commands after `register --endpoint http://127.0.0.1:8088` need no flags), else `AWS_REGION` /
 * `AWS_DEFAULT_REGION` / us-east-1 and the regional AWS endpoint. Also describes that choice for
 * error messages: a network error names the URL it tried and the flag that changes it.
 */
import { DEFAULT_REGION, defaultEndpoint } from '../../../common/src/aws/constants.js';
import { awsError } from '../../../common/src/aws/errors.js';
import type { TargetView } from './ca-source.js';

export interface Placement {
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  /** Why these, for messages: "from the flags", "stored by `rapki aws register`", … */
  readonly source: string;
}

const norm = (u: string | undefined): string => (u ?? '').replace(/\/+$/, '');

/** Flags first, then the stored registrations (one place, or the one the flags narrow it to). */
export function placementFrom(
  flags: { region?: string | undefined; endpoint?: string | undefined },
  registered: readonly Pick<TargetView, 'region' | 'endpoint'>[],
): Placement {
  if (flags.region !== undefined && flags.endpoint !== undefined)
    return { region: flags.region, endpoint: flags.endpoint, source: 'from --region and --endpoint' };
  const places = new Map<string, { region: string; endpoint: string | undefined }>();
  for (const t of registered) {
    if (flags.region !== undefined && t.region !== flags.region) continue;
    if (flags.endpoint !== undefined && norm(t.endpoint) !== norm(flags.endpoint)) continue;
    places.set(`${t.region}\n${norm(t.endpoint)}`, { region: t.region, endpoint: t.endpoint });
  }
  if (places.size === 1) {
    const [p] = places.values();
    return { region: flags.region ?? p!.region, endpoint: flags.endpoint ?? p!.endpoint, source: 'stored by `rapki aws register` with the CRL sync target' };
  }
  if (places.size > 1) {
    const list = [...places.values()].map((p) => `${p.region} (${p.endpoint ?? 'AWS endpoint'})`).join(', ');
    throw awsError('flag_value_invalid', `this CA is registered in several places: ${list}; pass --region (and --endpoint) to pick one`);
  }
  const given = flags.region !== undefined ? '--region' : flags.endpoint !== undefined ? '--endpoint' : undefined;
  return {
    region: flags.region,
    endpoint: flags.endpoint,
    source: given ? `from ${given}, nothing stored by \`rapki aws register\` for it` : 'no registration stored (register with --no-sync keeps none)',
  };
}

/** The URL the control-plane calls go to, as the client will resolve it. */
export function endpointUrl(region: string, endpoint: string | undefined): string {
  return endpoint ?? defaultEndpoint(region);
}

/** The hint appended to a network error: what was used, why, and which flags change it. */
export function placementHint(p: Placement, region: string, env: NodeJS.ProcessEnv): string {
  const regionWhy =
    p.region !== undefined ? '' : env.AWS_REGION ? ' (AWS_REGION)' : env.AWS_DEFAULT_REGION ? ' (AWS_DEFAULT_REGION)' : ` (the default, ${DEFAULT_REGION})`;
  return `used region ${region}${regionWhy} and ${p.endpoint ? `endpoint ${p.endpoint}` : 'the AWS endpoint'}, ${p.source}; --endpoint URL and --region R choose another`;
}
