/**
 * The certificate authority: enrollment, renewal, tokens, revocation, inventory and audit, with
 * no HTTP and no SQL (a pure core, I/O at the edges). It takes a store, a clock, randomness, the
 * X.509 port and the issuing CA; handlers in `http/` are thin wrappers around these methods.
 */
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { caError } from '../errors.js';
import type { CaStore } from '../store/ca-store.js';
import type {
  AdminRole,
  AdminTokenRecord,
  AuditQuery,
  AuditRecord,
  CaCertificateRecord,
  CertificateRecord,
  CertificateSearch,
  CertificateStats,
  CertStatus,
  Page,
} from '../store/types.js';
import { AdminTokens, type AdminPrincipalRecord, type CreatedAdminToken } from './admin-tokens.js';
import { AUDIT_GENESIS_HASH, verifyAuditChain } from '../../../common/src/audit/audit-chain.js';
import type { AuthorityConfig } from './authority-config.js';
import type { CrlManager } from './crl-manager.js';
import type { Clock, RandomSource } from '../../../common/src/clock-and-random.js';
import { runIssuanceRules, type IssuanceContext } from './issuance-rules.js';
import { issueServerCertificate, type IssuedServerCertificate, type ServerCertificateRequest } from './server-certificate.js';
import type { IssuerContext } from './issuer.js';
import { leafSubjectDn } from './leaf-subject.js';
import { validateHostReference, validateSans, validateSubject } from './names.js';
import { normalizeSerial } from './serial.js';
import { answerSupersededRenewal } from './superseded-renewal.js';
import { serialHexFromCertificate } from '../x509/certificate-summary.js';
import { REVOCATION_REASON_NAMES } from '../x509/constants.js';
import { digestsEqual, ENROLLMENT_TOKEN_PREFIX, hashSecretToken, isWellFormedToken, newSecretToken } from './secret-tokens.js';
import type { X509Port } from './x509-port.js';

/** Who asked: written into audit records. */
export type Actor = string;

export interface IssuedCertificate {
  readonly certificatePem: string;
  /** PEM of the intermediates (empty string when the root issues leaves). */
  readonly chainPem: string;
  readonly rootPem: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Hooks for metrics; all optional. */
export interface AuthorityEvents {
  issued?(): void;
  renewed?(): void;
  revoked?(count: number): void;
}

/** Revocation reasons accepted by `revoke` (one list, in the x509 layer's constants). */
export const CRL_REASON_NAMES = REVOCATION_REASON_NAMES;

export interface AuthorityDeps {
  readonly store: CaStore;
  readonly x509: X509Port;
  readonly issuer: IssuerContext;
  readonly crl: CrlManager;
  readonly config: AuthorityConfig;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly events?: AuthorityEvents;
  /** The CA that issues right now (CA rotation switches it, docs/rotation.md); default `issuer`. */
  readonly issuerNow?: (() => IssuerContext) | undefined;
}

export class CertificateAuthority {
  readonly #d: AuthorityDeps;

  constructor(deps: AuthorityDeps) {
    this.#d = deps;
  }

  get issuer(): IssuerContext {
    return this.#d.issuer;
  }

  /** One snapshot per issuance: signer, issuer name and chain always belong together. */
  #issuerNow(): IssuerContext {
    return this.#d.issuerNow?.() ?? this.#d.issuer;
  }

  // ---------------------------------------------------------------- tokens

  /** Mints a one-time enrollment token bound to names and lifetimes; returns the secret once. */
  async createEnrollmentToken(
    input: { subject: string; sans: readonly string[]; ttlSeconds?: number | undefined; certTtlSeconds?: number | undefined },
    actor: Actor,
  ): Promise<{ token: string; expiresAt: Date; subject: string; sans: string[]; certTtlSeconds: number }> {
    const cfg = this.#d.config;
    const subject = validateSubject(input.subject);
    const sans = validateSans(input.sans);
    const ttl = input.ttlSeconds ?? cfg.defaultTokenTtlSeconds;
    const certTtl = input.certTtlSeconds ?? cfg.defaultCertTtlSeconds;
    if (ttl > cfg.maxTokenTtlSeconds) throw caError('ttl_too_long', `ttl may be at most ${cfg.maxTokenTtlSeconds} seconds.`);
    if (certTtl > cfg.maxCertTtlSeconds) throw caError('ttl_too_long', `certTtl may be at most ${cfg.maxCertTtlSeconds} seconds.`);
    const now = this.#d.clock();
    const token = newSecretToken(ENROLLMENT_TOKEN_PREFIX, this.#d.random);
    const hash = hashSecretToken(token);
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    await this.#d.store.createToken(
      { hash, subject, sans, certTtlSeconds: certTtl, createdAt: now, expiresAt, usedAt: null, createdBy: actor },
      { time: now, actor, action: 'token.create', details: { tokenId: hash.slice(0, 16), subject, sans, certTtl, expiresAt: expiresAt.toISOString() } },
    );
    return { token, expiresAt, subject, sans, certTtlSeconds: certTtl };
  }

  /** Looks a token up without consuming it (`POST /v1/enroll/info`). */
  async describeToken(token: string): Promise<{ subject: string; sans: string[]; certTtlSeconds: number; expiresAt: Date }> {
    const rec = await this.#findToken(token);
    return { subject: rec.subject, sans: [...rec.sans], certTtlSeconds: rec.certTtlSeconds, expiresAt: rec.expiresAt };
  }

  async #findToken(token: string) {
    if (typeof token !== 'string' || !isWellFormedToken(token, ENROLLMENT_TOKEN_PREFIX)) throw caError('token_invalid');
    const hash = hashSecretToken(token);
    const rec = await this.#d.store.findToken(hash);
    if (!rec || !digestsEqual(rec.hash, hash)) throw caError('token_invalid');
    if (rec.usedAt !== null) throw caError('token_used');
    if (rec.expiresAt.getTime() <= this.#d.clock().getTime()) throw caError('token_expired');
    return rec;
  }

  /** Creates an admin or operator bearer token, optionally expiring; returns the secret once (`admin-tokens.ts`). */
  createAdminToken(input: { name: string; role: AdminRole; ttlSeconds?: number | undefined }, actor: Actor): Promise<CreatedAdminToken> {
    return this.#adminTokens.create(input, actor);
  }

  /** Resolves an admin bearer token; undefined when unknown, expired or revoked. */
  authenticateAdmin(token: string): Promise<AdminPrincipalRecord | undefined> {
    return this.#adminTokens.authenticate(token);
  }

  /** Who a stored admin token stands for if it is usable now (the console's sessions, `ui/sessions.ts`). */
  adminPrincipalOf(rec: AdminTokenRecord): Promise<AdminPrincipalRecord | undefined> {
    return this.#adminTokens.principalOf(rec);
  }

  /** Admin tokens without hashes or secrets. */
  listAdminTokens(): ReturnType<AdminTokens['list']> {
    return this.#adminTokens.list();
  }

  /** Revokes an admin token by its public id (never the last usable admin-role token). */
  revokeAdminToken(id: string, actor: Actor): ReturnType<AdminTokens['revoke']> {
    return this.#adminTokens.revoke(id, actor);
  }

  get #adminTokens(): AdminTokens {
    return new AdminTokens(this.#d);
  }

  // ---------------------------------------------------------------- issuance

  /** Enrollment with a one-time token (token consumed only once the certificate is stored). */
  async enroll(token: string, csrPem: string): Promise<IssuedCertificate> {
    const rec = await this.#findToken(token);
    const issuer = this.#issuerNow();
    const ctx = await this.#issue(csrPem, rec.subject, rec.sans, rec.certTtlSeconds, issuer);
    const actor = `token:${rec.hash.slice(0, 8)}`;
    const cert = this.#record(ctx, rec.subject, rec.sans, rec.certTtlSeconds, null, issuer);
    await this.#d.store.issueWithToken({
      tokenHash: rec.hash,
      now: ctx.now,
      certificate: cert,
      audit: { time: ctx.now, actor, action: 'certificate.issue', details: this.#auditDetails(cert) },
    });
    this.#d.events?.issued?.();
    return this.#response(ctx, issuer);
  }

  /**
   * Renewal authenticated by the current certificate (DER from the TLS handshake, already chained
   * to this CA by the caller). Same names; a new key is allowed; the same lifetime.
   */
  async renew(currentDer: Uint8Array, csrPem: string): Promise<IssuedCertificate> {
    const current = await this.#d.store.getCertificate(this.#serialFromDer(currentDer));
    if (!current || current.fingerprint !== sha256Fingerprint(currentDer)) throw caError('certificate_unknown');
    const now = this.#d.clock();
    if (current.status === 'revoked') throw caError('certificate_revoked');
    if (current.notAfter.getTime() <= now.getTime() || current.notBefore.getTime() > now.getTime()) throw caError('certificate_expired');
    // An already renewed certificate is superseded: refused, unless this is a retry of that renewal (C26).
    const successor = await this.#d.store.findRenewalOf(current.serial);
    if (successor) return this.#supersededRenewal(current, successor, csrPem, now);
    const issuer = this.#issuerNow();
    const ctx = await this.#issue(csrPem, current.host, current.sans, current.certTtlSeconds, issuer);
    const cert = this.#record(ctx, current.host, current.sans, current.certTtlSeconds, current.serial, issuer);
    try {
      await this.#d.store.recordRenewal({
        oldSerial: current.serial,
        now: ctx.now,
        certificate: cert,
        audit: {
          time: ctx.now,
          actor: `cert:${current.serial}`,
          action: 'certificate.renew',
          details: { ...this.#auditDetails(cert), renewedFrom: current.serial },
        },
      });
    } catch (err) {
      // A concurrent renewal of the same certificate was stored first.
      const first = (err as { code?: unknown }).code === 'certificate_superseded' ? await this.#d.store.findRenewalOf(current.serial) : undefined;
      if (first) return this.#supersededRenewal(current, first, csrPem, ctx.now);
      throw err;
    }
    this.#d.events?.renewed?.();
    return this.#response(ctx, issuer);
  }

  /** The successor again for an idempotent retry (same key), else the audited `certificate_superseded` refusal. */
  async #supersededRenewal(current: CertificateRecord, successor: CertificateRecord, csrPem: string, now: Date): Promise<IssuedCertificate> {
    const again = await answerSupersededRenewal({ current, successor, csrPem, now, x509: this.#d.x509, store: this.#d.store });
    const issuer = [this.#issuerNow(), this.#d.issuer].find((i) => i.id === again.issuerId);
    if (!issuer)
      throw caError(
        'certificate_superseded',
        `This certificate was already renewed (serial ${again.serial}) by a CA no longer issuing; renew with the newest certificate, or ask an operator.`,
      );
    const { x509 } = this.#d;
    return {
      certificatePem: x509.toPem(again.der, 'CERTIFICATE'),
      chainPem: issuer.intermediates.map((d) => x509.toPem(d, 'CERTIFICATE')).join(''),
      rootPem: (issuer.trustedRoots ?? [issuer.root]).map((d) => x509.toPem(d, 'CERTIFICATE')).join(''),
      serial: again.serial,
      notBefore: again.notBefore,
      notAfter: again.notAfter,
    };
  }

  #serialFromDer(der: Uint8Array): string {
    try {
      return serialHexFromCertificate(der);
    } catch (err) {
      throw caError('certificate_unknown', undefined, { cause: err });
    }
  }

  async #issue(csrPem: string, host: string, sans: readonly string[], certTtlSeconds: number, issuer: IssuerContext): Promise<Required<IssuanceContext>> {
    if (typeof csrPem !== 'string') throw caError('invalid_csr');
    const ctx: IssuanceContext = {
      now: this.#d.clock(),
      csrPem,
      expected: { host, subjectDn: leafSubjectDn(host), commonName: host, sans },
      certTtlSeconds,
    };
    return runIssuanceRules(ctx, { x509: this.#d.x509, store: this.#d.store, issuer });
  }

  #record(
    ctx: Required<IssuanceContext>,
    host: string,
    sans: readonly string[],
    certTtlSeconds: number,
    renewedFrom: string | null,
    issuer: IssuerContext,
  ): CertificateRecord {
    return {
      serial: ctx.serialHex,
      host,
      subject: ctx.expected.subjectDn,
      sans: [...sans],
      notBefore: ctx.notBefore,
      notAfter: ctx.notAfter,
      status: 'valid',
      revokedAt: null,
      reason: null,
      fingerprint: sha256Fingerprint(ctx.der),
      der: ctx.der,
      issuerId: issuer.id,
      renewedFrom,
      issuedAt: ctx.now,
      certTtlSeconds,
    };
  }

  #auditDetails(c: CertificateRecord): Record<string, unknown> {
    return { serial: c.serial, host: c.host, sans: c.sans, notAfter: c.notAfter.toISOString(), fingerprint: c.fingerprint };
  }

  #response(ctx: Required<IssuanceContext>, issuer: IssuerContext): IssuedCertificate {
    const { x509 } = this.#d;
    return {
      certificatePem: x509.toPem(ctx.der, 'CERTIFICATE'),
      chainPem: issuer.intermediates.map((d) => x509.toPem(d, 'CERTIFICATE')).join(''),
      rootPem: (issuer.trustedRoots ?? [issuer.root]).map((d) => x509.toPem(d, 'CERTIFICATE')).join(''),
      serial: ctx.serialHex,
      notBefore: ctx.notBefore,
      notAfter: ctx.notAfter,
    };
  }

  // ---------------------------------------------------------------- the server's own certificate

  /**
   * Issues the CA server's TLS certificate through the X.509 port and records it in the audit log
   * (`server-certificate.ts`); the caller keeps the private key and the files of its node.
   */
  issueServerCertificate(req: ServerCertificateRequest): Promise<IssuedServerCertificate> {
    return issueServerCertificate({ x509: this.#d.x509, store: this.#d.store, clock: this.#d.clock }, req);
  }

  // ---------------------------------------------------------------- revocation

  /** Revokes one certificate (serial in any pasted form) and republishes the CRL at once. */
  async revokeSerial(serialInput: string, reason: string | undefined, actor: Actor): Promise<{ record: CertificateRecord; crlNumber: number }> {
    const serial = normalizeSerial(serialInput);
    const r = validateReason(reason);
    const now = this.#d.clock();
    const record = await this.#d.store.revokeCertificate({
      serial,
      revokedAt: now,
      reason: r,
      audit: (rec) => ({ time: now, actor, action: 'certificate.revoke', details: { serial, host: rec.host, reason: r } }),
    });
    this.#d.events?.revoked?.(1);
    const crl = await this.#d.crl.rebuild(`revoke ${serial}`);
    return { record, crlNumber: crl.number };
  }

  /** Revokes every certificate of a host, blocks it, republishes the CRL. */
  /**
   * Revokes every certificate of `host` and blocks the name. A name this CA never issued to and
   * has not blocked is refused (`host_not_found`) unless `blockUnknown`: a typo would otherwise
   * revoke nothing, block a name nobody uses, and look like success.
   */
  async revokeHost(
    host: string,
    reason: string | undefined,
    actor: Actor,
    opts: { readonly blockUnknown?: boolean } = {},
  ): Promise<{ serials: readonly string[]; crlNumber: number }> {
    validateHostReference(host);
    const r = validateReason(reason);
    const now = this.#d.clock();
    const known = (await this.#d.store.listCertificates({ host, now, limit: 1 })).items.length > 0 || (await this.#d.store.isHostBlocked(host));
    if (!known && !opts.blockUnknown) {
      throw caError(
        'host_not_found',
        `No certificate was ever issued to host "${host}" and it is not blocked; check the name, or send "blockUnknown": true to block it from enrolling anyway.`,
      );
    }
    const serials = await this.#d.store.revokeHost({
      host,
      revokedAt: now,
      reason: r,
      audit: (s) => ({ time: now, actor, action: 'host.revoke', details: { host, reason: r, serials: [...s], ...(known ? {} : { unknownHost: true }) } }),
    });
    this.#d.events?.revoked?.(serials.length);
    const crl = await this.#d.crl.rebuild(`revoke host ${host}`);
    return { serials, crlNumber: crl.number };
  }

  async unblockHost(host: string, actor: Actor): Promise<void> {
    validateHostReference(host);
    const ok = await this.#d.store.unblockHost({ host, audit: { time: this.#d.clock(), actor, action: 'host.unblock', details: { host } } });
    if (!ok) throw caError('host_not_found', 'That host is not blocked.');
  }

  // ---------------------------------------------------------------- reads

  async listCertificates(q: {
    host?: string | undefined;
    status?: CertStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  }): Promise<Page<CertificateRecord>> {
    const { status, ...rest } = q;
    // `active` and `superseded` are both unrevoked and unexpired; a renewal tells them apart.
    const filter =
      status === 'active'
        ? { status: 'active' as const, superseded: false }
        : status === 'superseded'
          ? { status: 'active' as const, superseded: true }
          : { status };
    return this.#d.store.listCertificates({ ...rest, ...filter, now: this.#d.clock() });
  }

  async listAudit(afterSeq: number, limit: number): Promise<readonly AuditRecord[]> {
    return this.#d.store.listAudit(afterSeq, limit);
  }

  /** One certificate by canonical serial. */
  getCertificate(serial: string): Promise<CertificateRecord | undefined> {
    return this.#d.store.getCertificate(normalizeSerial(serial));
  }

  isHostBlocked(host: string): Promise<boolean> {
    return this.#d.store.isHostBlocked(host);
  }

  /** The CA certificates the store knows (issuers of the inventory, old ones after a rotation included). */
  caCertificates(): Promise<readonly CaCertificateRecord[]> {
    return this.#d.store.getCaCertificates();
  }

  /** Certificate search at the authority's clock (the console's Certificates page). */
  searchCertificates(q: Omit<CertificateSearch, 'now'>): Promise<Page<CertificateRecord>> {
    return this.#d.store.searchCertificates({ ...q, now: this.#d.clock() });
  }

  /** Counts by status now, and unrevoked expiries between consecutive `edges`. */
  certificateStats(edges: readonly Date[]): Promise<CertificateStats> {
    return this.#d.store.certificateStats(this.#d.clock(), edges);
  }

  /** Audit records matching the filter, newest first. */
  searchAudit(q: AuditQuery): Promise<readonly AuditRecord[]> {
    return this.#d.store.searchAudit(q);
  }

  /**
   * Recomputes the whole audit hash chain from the store, page by page (the same check as
   * `rapki audit verify`): the head to note elsewhere when intact, where it breaks otherwise.
   */
  async verifyAudit(
    pageSize = 2000,
  ): Promise<{ ok: true; count: number; head: { seq: number; hash: string } | undefined } | { ok: false; count: number; badSeq: number; reason: string }> {
    let prev = AUDIT_GENESIS_HASH;
    let next = 1;
    let count = 0;
    for (;;) {
      const page = await this.#d.store.listAudit(next - 1, pageSize);
      if (page.length === 0) break;
      const r = verifyAuditChain(page, prev, next);
      if (!r.ok) return { ok: false, count: count + r.count, badSeq: r.badSeq, reason: r.reason };
      count += r.count;
      prev = r.lastHash;
      next = page[page.length - 1]!.seq + 1;
      if (page.length < pageSize) break;
    }
    return { ok: true, count, head: count > 0 ? { seq: next - 1, hash: prev } : undefined };
  }

  /**
   * Inventory status as shown to users: revoked, else expired, else superseded (renewed: the
   * record's `renewedBy`, as {@link listCertificates} returns it), else active.
   */
  statusOf(c: CertificateRecord): CertStatus {
    if (c.status === 'revoked') return 'revoked';
    if (c.notAfter.getTime() <= this.#d.clock().getTime()) return 'expired';
    return c.renewedBy ? 'superseded' : 'active';
  }
}

function validateReason(reason: string | undefined): string | null {
  if (reason === undefined || reason === null) return null;
  if (!(CRL_REASON_NAMES as readonly string[]).includes(reason)) {
    throw caError('invalid_request', `reason must be one of ${CRL_REASON_NAMES.join(', ')}.`);
  }
  return reason === 'unspecified' ? null : reason;
}
