/**
 * The Roles Anywhere control-plane client used by `rapki aws …` and the CA's CRL sync.
 *
 * Why two transports: `@aws-sdk/client-rolesanywhere@3.332.0` (the only published version) covers
 * 26 operations but cannot send `acceptRoleSessionName`, notification settings or attribute
 * mappings and drops them from responses (its models predate them). Those, and the Get* reads
 * whose full current shape we need, go through hand-signed restJson1 requests
 * (`signed-request.ts`); everything else uses the SDK. Credentials come from the standard AWS chain
 * (the SDK bundles `credential-provider-node`), and `endpoint` points both transports at the
 * emulator. 3.332 ignores `AWS_ENDPOINT_URL*`, so the endpoint is always passed explicitly.
 */
import {
  CreateProfileCommand,
  CreateTrustAnchorCommand,
  DeleteCrlCommand,
  DeleteProfileCommand,
  DeleteTrustAnchorCommand,
  EnableCrlCommand,
  EnableProfileCommand,
  EnableTrustAnchorCommand,
  GetCrlCommand,
  ImportCrlCommand,
  ListCrlsCommand,
  ListProfilesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  ListTrustAnchorsCommand,
  RolesAnywhereClient,
  UpdateCrlCommand,
  UpdateProfileCommand,
  UpdateTrustAnchorCommand,
} from '@aws-sdk/client-rolesanywhere';
import type { CrlDetail, ProfileDetail, TrustAnchorDetail } from '@aws-sdk/client-rolesanywhere';
import { DEFAULT_REGION, RA_LIMITS, RAW_PATHS, defaultEndpoint } from './constants.js';
import { awsError } from './errors.js';
import { serviceError, signedJsonRequest } from './signed-request.js';
import type { AwsCredentials, RawCall } from './signed-request.js';
import type {
  AttributeMapping,
  Crl,
  NotificationSetting,
  NotificationSettingDetail,
  Profile,
  ProfileInput,
  RolesAnywhereControlPlane,
  Tag,
  TrustAnchor,
} from './types.js';
import type { CertificateField } from './constants.js';

export interface ControlPlaneOptions {
  /** Region; default `AWS_REGION` / `AWS_DEFAULT_REGION`, then us-east-1. */
  readonly region?: string | undefined;
  /** Custom endpoint (the emulator), e.g. `http://127.0.0.1:4566`. */
  readonly endpoint?: string | undefined;
  /** Explicit credentials; default: the standard AWS credential chain. */
  readonly credentials?: AwsCredentials | (() => Promise<AwsCredentials>) | undefined;
  /** SDK attempts per call (the CRL sync retries by itself and passes 1). Default 3. */
  readonly maxAttempts?: number | undefined;
  readonly timeoutMs?: number | undefined;
}

/** Region from options or the environment. */
export function resolveRegion(region: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const r = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(r)) throw awsError('flag_value_invalid', `not an AWS region: ${r.slice(0, 40)}`);
  return r;
}

/** Create the control-plane client. The SDK is imported statically here; keep this module off the credential-process path. */
export function createControlPlane(options: ControlPlaneOptions = {}): RolesAnywhereControlPlane {
  const region = resolveRegion(options.region);
  const endpoint = options.endpoint;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw awsError('flag_value_invalid', 'the endpoint must be an http:// or https:// URL');
  }
  const sdk = new RolesAnywhereClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
  });
  const credentials = async (): Promise<AwsCredentials> => {
    const provider = sdk.config.credentials as unknown as () => Promise<AwsCredentials>;
    return provider();
  };
  const rawEndpoint = endpoint ?? defaultEndpoint(region);
  const raw = (call: RawCall): Promise<Record<string, unknown>> =>
    signedJsonRequest({ endpoint: rawEndpoint, region, credentials, timeoutMs: options.timeoutMs ?? 30_000 }, call);

  async function sdkCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapSdkError(e, rawEndpoint);
    }
  }

  async function paginate<I>(fetchPage: (nextToken: string | undefined) => Promise<{ items: I[] | undefined; nextToken: string | undefined }>): Promise<I[]> {
    const out: I[] = [];
    let token: string | undefined;
    for (let page = 0; page < RA_LIMITS.maxPages; page++) {
      const r = await fetchPage(token);
      out.push(...(r.items ?? []));
      if (!r.nextToken) return out;
      token = r.nextToken;
    }
    throw awsError('aws_response_invalid', 'the control plane kept returning pages');
  }

  const taFromRaw = (body: Record<string, unknown>): TrustAnchor => trustAnchorFromJson(field(body, 'trustAnchor'));
  const profileFromRaw = (body: Record<string, unknown>): Profile => profileFromJson(field(body, 'profile'));

  return {
    region,
    endpoint,
    async listTrustAnchors() {
      const items = await paginate((nextToken) =>
        sdkCall(async () => {
          const r = await sdk.send(new ListTrustAnchorsCommand({ nextToken }));
          return { items: r.trustAnchors, nextToken: r.nextToken };
        }),
      );
      return items.map(trustAnchorFromSdk);
    },
    async getTrustAnchor(id) {
      return taFromRaw(await raw({ method: 'GET', path: RAW_PATHS.trustAnchor(id) }));
    },
    async createTrustAnchor(input) {
      const r = await sdkCall(() =>
        sdk.send(
          new CreateTrustAnchorCommand({
            name: input.name,
            enabled: input.enabled,
            source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: input.bundlePem } },
            tags: input.tags.map((t) => ({ key: t.key, value: t.value })),
          }),
        ),
      );
      return trustAnchorFromSdk(required(r.trustAnchor));
    },
    async updateTrustAnchor(id, input) {
      const r = await sdkCall(() =>
        sdk.send(
          new UpdateTrustAnchorCommand({
            trustAnchorId: id,
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.bundlePem !== undefined ? { source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: input.bundlePem } } } : {}),
          }),
        ),
      );
      return trustAnchorFromSdk(required(r.trustAnchor));
    },
    async enableTrustAnchor(id) {
      const r = await sdkCall(() => sdk.send(new EnableTrustAnchorCommand({ trustAnchorId: id })));
      return trustAnchorFromSdk(required(r.trustAnchor));
    },
    async deleteTrustAnchor(id) {
      await sdkCall(() => sdk.send(new DeleteTrustAnchorCommand({ trustAnchorId: id })));
    },
    async putNotificationSettings(trustAnchorId, settings) {
      return taFromRaw(
        await raw({
          method: 'PATCH',
          path: RAW_PATHS.putNotificationSettings,
          body: { trustAnchorId, notificationSettings: settings.map((s) => ({ ...s })) },
        }),
      );
    },

    async listProfiles() {
      const items = await paginate((nextToken) =>
        sdkCall(async () => {
          const r = await sdk.send(new ListProfilesCommand({ nextToken }));
          return { items: r.profiles, nextToken: r.nextToken };
        }),
      );
      return items.map(profileFromSdk);
    },
    async getProfile(id) {
      return profileFromRaw(await raw({ method: 'GET', path: RAW_PATHS.profile(id) }));
    },
    async createProfile(input: ProfileInput) {
      const r = await sdkCall(() =>
        sdk.send(
          new CreateProfileCommand({
            name: input.name,
            roleArns: [...input.roleArns],
            managedPolicyArns: [...input.managedPolicyArns],
            durationSeconds: input.durationSeconds,
            enabled: input.enabled,
            tags: input.tags.map((t) => ({ key: t.key, value: t.value })),
          }),
        ),
      );
      const created = profileFromSdk(required(r.profile));
      // 3.332 cannot send acceptRoleSessionName (its model predates it): a hand-signed UpdateProfile sets it.
      if (input.acceptRoleSessionName) {
        return profileFromRaw(await raw({ method: 'PATCH', path: RAW_PATHS.profile(created.profileId), body: { acceptRoleSessionName: true } }));
      }
      return created;
    },
    async updateProfile(id, input) {
      const { acceptRoleSessionName, ...sdkFields } = input;
      let out: Profile | undefined;
      if (Object.keys(sdkFields).length > 0) {
        const r = await sdkCall(() =>
          sdk.send(
            new UpdateProfileCommand({
              profileId: id,
              ...(sdkFields.roleArns ? { roleArns: [...sdkFields.roleArns] } : {}),
              ...(sdkFields.managedPolicyArns ? { managedPolicyArns: [...sdkFields.managedPolicyArns] } : {}),
              ...(sdkFields.durationSeconds !== undefined ? { durationSeconds: sdkFields.durationSeconds } : {}),
            }),
          ),
        );
        out = profileFromSdk(required(r.profile));
      }
      if (acceptRoleSessionName !== undefined) {
        out = profileFromRaw(await raw({ method: 'PATCH', path: RAW_PATHS.profile(id), body: { acceptRoleSessionName } }));
      }
      return out ?? this.getProfile(id);
    },
    async enableProfile(id) {
      const r = await sdkCall(() => sdk.send(new EnableProfileCommand({ profileId: id })));
      return profileFromSdk(required(r.profile));
    },
    async deleteProfile(id) {
      await sdkCall(() => sdk.send(new DeleteProfileCommand({ profileId: id })));
    },
    async putAttributeMapping(profileId, mapping: AttributeMapping) {
      return profileFromRaw(
        await raw({
          method: 'PUT',
          path: RAW_PATHS.attributeMappings(profileId),
          body: { certificateField: mapping.certificateField, mappingRules: mapping.mappingRules.map((r) => ({ specifier: r.specifier })) },
        }),
      );
    },

    async listCrls() {
      const items = await paginate((nextToken) =>
        sdkCall(async () => {
          const r = await sdk.send(new ListCrlsCommand({ nextToken }));
          return { items: r.crls, nextToken: r.nextToken };
        }),
      );
      return items.map(crlFromSdk);
    },
    async getCrl(id) {
      const r = await sdkCall(() => sdk.send(new GetCrlCommand({ crlId: id })));
      return crlFromSdk(required(r.crl));
    },
    async importCrl(input) {
      const r = await sdkCall(() =>
        sdk.send(
          new ImportCrlCommand({
            name: input.name,
            crlData: input.pem,
            trustAnchorArn: input.trustAnchorArn,
            enabled: input.enabled,
            tags: input.tags.map((t) => ({ key: t.key, value: t.value })),
          }),
        ),
      );
      return crlFromSdk(required(r.crl));
    },
    async updateCrl(id, pem) {
      const r = await sdkCall(() => sdk.send(new UpdateCrlCommand({ crlId: id, crlData: pem })));
      return crlFromSdk(required(r.crl));
    },
    async enableCrl(id) {
      const r = await sdkCall(() => sdk.send(new EnableCrlCommand({ crlId: id })));
      return crlFromSdk(required(r.crl));
    },
    async deleteCrl(id) {
      await sdkCall(() => sdk.send(new DeleteCrlCommand({ crlId: id })));
    },
    async listTags(resourceArn) {
      const r = await sdkCall(() => sdk.send(new ListTagsForResourceCommand({ resourceArn })));
      return (r.tags ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '' }));
    },
    async tagResource(resourceArn, tags) {
      await sdkCall(() => sdk.send(new TagResourceCommand({ resourceArn, tags: tags.map((t) => ({ key: t.key, value: t.value })) })));
    },
    close() {
      sdk.destroy();
    },
  };
}

function required<T>(v: T | undefined): T {
  if (v === undefined || v === null) throw awsError('aws_response_invalid');
  return v;
}

function field(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = body[name];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw awsError('aws_response_invalid', `control-plane response without ${name}`);
  return v as Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const iso = (v: Date | undefined): string | undefined => (v instanceof Date ? v.toISOString() : undefined);

/**
 * SDK errors (modeled exceptions, network failures, missing credentials) → coded rapki errors. A
 * network failure names `url`, the endpoint that was tried (the SDK's own error does not).
 */
export function mapSdkError(e: unknown, url?: string): Error {
  const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  if (err && err.name === 'RapkiError') return e as Error;
  if (err && (err.name === 'CredentialsProviderError' || /Could not load credentials/i.test(err.message ?? ''))) {
    return awsError('aws_credentials_missing', undefined, { cause: e });
  }
  const status = err?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 300) return serviceError(err.name ?? 'UnknownError', err.message ?? '', status);
  const netCode = err?.code ?? err?.cause?.code;
  const at = url ? ` at ${url}` : '';
  const details = url ? { url } : undefined;
  if (netCode && /^E[A-Z]+/.test(netCode))
    return awsError('aws_unreachable', `could not reach the Roles Anywhere control plane${at} (${netCode})`, { cause: e, details });
  if (err?.name === 'TimeoutError') return awsError('aws_unreachable', `the Roles Anywhere control plane${at} did not answer in time`, { cause: e, details });
  return awsError('aws_unreachable', `Roles Anywhere call${at} failed: ${(err?.message ?? String(e)).slice(0, 200)}`, { cause: e, details });
}

function trustAnchorFromSdk(d: TrustAnchorDetail): TrustAnchor {
  const data = d.source?.sourceData;
  return {
    trustAnchorId: d.trustAnchorId ?? '',
    trustAnchorArn: d.trustAnchorArn ?? '',
    name: d.name ?? '',
    enabled: d.enabled === true,
    sourceType: d.source?.sourceType ?? '',
    x509CertificateData: data && 'x509CertificateData' in data ? data.x509CertificateData : undefined,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    notificationSettings: [],
  };
}

/** A TrustAnchorDetail from raw JSON (current model shape, API Reference `TrustAnchorDetail`). */
export function trustAnchorFromJson(j: Record<string, unknown>): TrustAnchor {
  const source = (j.source ?? {}) as Record<string, unknown>;
  const data = (source.sourceData ?? {}) as Record<string, unknown>;
  const ns = Array.isArray(j.notificationSettings) ? (j.notificationSettings as Record<string, unknown>[]) : [];
  return {
    trustAnchorId: str(j.trustAnchorId) ?? '',
    trustAnchorArn: str(j.trustAnchorArn) ?? '',
    name: str(j.name) ?? '',
    enabled: j.enabled === true,
    sourceType: str(source.sourceType) ?? '',
    x509CertificateData: str(data.x509CertificateData),
    createdAt: str(j.createdAt),
    updatedAt: str(j.updatedAt),
    notificationSettings: ns.map((n): NotificationSettingDetail => ({
      enabled: n.enabled === true,
      event: n.event as NotificationSetting['event'],
      threshold: typeof n.threshold === 'number' ? n.threshold : undefined,
      channel: n.channel === 'ALL' ? 'ALL' : undefined,
      configuredBy: str(n.configuredBy),
    })),
  };
}

function profileFromSdk(d: ProfileDetail): Profile {
  return {
    profileId: d.profileId ?? '',
    profileArn: d.profileArn ?? '',
    name: d.name ?? '',
    enabled: d.enabled === true,
    roleArns: d.roleArns ?? [],
    managedPolicyArns: d.managedPolicyArns ?? [],
    durationSeconds: d.durationSeconds,
    acceptRoleSessionName: false,
    attributeMappings: [],
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

/** A ProfileDetail from raw JSON (current model shape, API Reference `ProfileDetail`). */
export function profileFromJson(j: Record<string, unknown>): Profile {
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const mappings = Array.isArray(j.attributeMappings) ? (j.attributeMappings as Record<string, unknown>[]) : [];
  return {
    profileId: str(j.profileId) ?? '',
    profileArn: str(j.profileArn) ?? '',
    name: str(j.name) ?? '',
    enabled: j.enabled === true,
    roleArns: strings(j.roleArns),
    managedPolicyArns: strings(j.managedPolicyArns),
    durationSeconds: typeof j.durationSeconds === 'number' ? j.durationSeconds : undefined,
    acceptRoleSessionName: j.acceptRoleSessionName === true,
    attributeMappings: mappings.map((m) => ({
      certificateField: m.certificateField as CertificateField,
      mappingRules: (Array.isArray(m.mappingRules) ? (m.mappingRules as Record<string, unknown>[]) : []).map((r) => ({
        specifier: str(r.specifier) ?? '',
      })),
    })),
    createdAt: str(j.createdAt),
    updatedAt: str(j.updatedAt),
  };
}

function crlFromSdk(d: CrlDetail): Crl {
  return {
    crlId: d.crlId ?? '',
    crlArn: d.crlArn ?? '',
    name: d.name ?? '',
    enabled: d.enabled === true,
    crlData: d.crlData ?? new Uint8Array(),
    trustAnchorArn: d.trustAnchorArn,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

export type { Tag };
