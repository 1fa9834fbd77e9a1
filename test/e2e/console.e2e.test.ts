/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core; no browser is
 * downloaded) against a real `rapki ca serve` process: sign in; create a token; enroll a host with
 * the CLI and the exact command the page shows; find it through "Search"; revoke it through the
 * dialog; `openssl crl` lists the serial; the Audit page shows the revocation via: ui. Also: a
 * wrong token, a forged request without the CSRF token, forged posts from another site, an
 * operator kept from admin-only actions, keyboard use, a phone-sized screen, no request to any
 * host but the CA's, no CSP violation, and axe-core on every page in light and dark. An expired
 * session is shown with a second CA server in this process whose clock the test moves.
 *
 * Screenshots of every page go to test-output/console/ (git-ignored); with
 * RAPKI_UPDATE_SCREENSHOTS=1 the overview's also replaces docs/images/console-overview.png.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa } from '../../ca-server/src/init.js';
import { createLogger } from '../../ca-server/src/logger.js';
import { startCaServer, type RunningCaServer } from '../../ca-server/src/serve.js';
import { FAST_KDF, TEST_PASSPHRASE, TestClock } from '../ca-server/authority/fixtures.js';
import { call, openssl, opensslCsr } from '../ca-server/http/client.js';
import { ensureConsoleAssets } from '../ca-server/ui/assets-built.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { runCli } from '../support/cli.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';

const CHROMIUM = process.env.RAPKI_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(new URL('../..', import.meta.url).pathname, 'test-output', 'console');
const DOC_IMAGE = join(new URL('../..', import.meta.url).pathname, 'docs', 'images', 'console-overview.png');

let tmp: string;
/** `rapki emulator`: the Roles Anywhere the CA registers with and pushes its CRL to (the overview's trust anchors). */
let emu: EmulatorProcess;
let ca: CaServerProcess;
let root: string;
let browser: Browser;
/** A second CA in this process, with a clock the test moves (expired session). */
let clocked: RunningCaServer;
const clock = new TestClock();
let trustAnchorArn: string;
let clockedToken: string;
const attackers: HttpServer[] = [];

/** Every request a console page made, and every CSP violation it reported. */
const requests: string[] = [];
const cspViolations: string[] = [];

const spkiOf = (certPem: string): string =>
  createHash('sha256')
    .update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');

async function newContext(o: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: o.viewport ?? { width: 1280, height: 900 }, colorScheme: o.colorScheme ?? 'light' });
  ctx.on('request', (r) => requests.push(r.url()));
  ctx.on('console', (m) => {
    if (/Content Security Policy|Refused to (load|apply|execute)/i.test(m.text())) cspViolations.push(m.text());
  });
  return ctx;
}

async function shot(page: Page, name: string): Promise<string> {
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** axe-core (WCAG 2.x A/AA rules and best practices); the violations that are serious or critical. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as axe.AxeResults;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/ui/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/ui/`);
}

/** Enrolls through the API with an openssl key (for the overview's numbers). */
async function enrollQuick(subject: string, certTtl: string): Promise<string> {
  const t = await call(ca.url, 'POST', '/v1/admin/tokens', { ca: root, token: ca.adminToken, body: { subject, sans: [], certTtl } });
  const k = opensslCsr(tmp, subject, `/CN=${subject}`, []);
  const r = await call(ca.url, 'POST', '/v1/enroll', { ca: root, body: { token: t.json.token, csr: k.csr } });
  expect(r.status).toBe(201);
  return r.json.serial as string;
}

beforeAll(async () => {
  ensureConsoleAssets();
  mkdirSync(SHOTS, { recursive: true });
  tmp = await makeTempDir('rapki-e2e-console-');
  emu = await startEmulatorProcess();
  // The CA pushes its CRLs with the standard AWS credential chain of its own environment.
  ca = await startCaServerProcess({ env: { ...TEST_AWS_ENV } });
  root = readFileSync(ca.rootPem, 'utf8');
  const reg = await runCli(['aws', 'register', '--json', '--role-arn', 'arn:aws:iam::123456789012:role/rapki-console', '--endpoint', emu.url], {
    env: { ...TEST_AWS_ENV, RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken },
    timeoutMs: 60_000,
  });
  expect(reg.code, reg.stderr).toBe(0);
  trustAnchorArn = (JSON.parse(reg.out) as { trustAnchorArn: string }).trustAnchorArn;
  const dir = join(tmp, 'clocked-ca');
  clockedToken = (await initCa({ dir, passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF, clock: clock.now })).adminToken;
  clocked = await startCaServer({
    dir,
    listen: '127.0.0.1:0',
    env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
    clock: clock.now,
    x509Worker: false,
    log: createLogger({ level: 'silent' }),
    rateLimits: { admin: { ratePerSecond: 1000, burst: 100_000 } },
  });
  const spkis = [spkiOf(readFileSync(join(ca.dir, 'tls', 'server.pem'), 'utf8')), spkiOf(readFileSync(join(dir, 'tls', 'server.pem'), 'utf8'))];
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Trust exactly the two CA servers' TLS keys, nothing else (no verification turned off).
      `--ignore-certificate-errors-spki-list=${spkis.join(',')}`,
      // Nothing resolves but loopback: a page that tried another host would fail, and be recorded.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await clocked?.close();
  await ca?.dispose();
  await emu?.stop();
  for (const s of attackers) s.close();
  if (tmp) await removeTempDir(tmp);
});

describe('the console in Chromium against a real rapki ca serve', () => {
  let ctx: BrowserContext;
  let page: Page;
  let enrollToken: string;
  let serial: string;

  it('a wrong token gets a clear message and no session; the right one signs in, leaving the token in no URL or storage', async () => {
    ctx = await newContext();
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ca.url });
    page = await ctx.newPage();
    await page.goto(`${ca.url}/ui/`);
    expect(page.url()).toBe(`${ca.url}/ui/sign-in`);
    await shot(page, 'sign-in');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Admin token').fill(`rapki_at_${'Q'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That token was not accepted');
    expect((await ctx.cookies()).map((c) => c.name)).not.toContain('__Host-rapki_session');
    await shot(page, 'sign-in-wrong-token');

    await page.getByLabel('Admin token').fill(ca.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${ca.url}/ui/`);
    const session = (await ctx.cookies()).find((c) => c.name === '__Host-rapki_session')!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(session.value).not.toContain(ca.adminToken);
    expect(await page.evaluate('[localStorage.length, sessionStorage.length, document.cookie]')).toEqual([0, 0, '']);
    expect(requests.some((u) => u.includes(ca.adminToken))).toBe(false);
    for (const name of ['Overview', 'Certificates', 'Tokens', 'Audit', 'Rotation']) {
      await expect.poll(() => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).count()).toBe(1);
    }
  }, 120_000);

  it('creates a token; the CLI enrolls the host with the exact command the page shows', async () => {
    await page.getByRole('link', { name: 'Tokens', exact: true }).click();
    await page.getByLabel('Subject').fill('web-1');
    await page.getByLabel('SANs').fill('dns:web-1.example');
    await page.getByLabel('Token lifetime').fill('15m');
    await page.getByLabel('Certificate lifetime').fill('24h');
    await page.getByRole('button', { name: 'Create token' }).click();
    const field = page.getByLabel('Enrollment token', { exact: true });
    enrollToken = await field.inputValue();
    expect(enrollToken).toMatch(/^rapki_et_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(enrollToken);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Copied' }).count()).toBe(1);
    const command = (await page.locator('#enroll-command').textContent())!;
    expect(command).toBe(`RAPKI_ENROLL_TOKEN='${enrollToken}' rapki enroll --ca-url ${ca.url} --ca-fingerprint ${ca.fingerprint} --out /etc/rapki`);
    await shot(page, 'tokens-created');
    expect(await seriousViolations(page)).toEqual([]);

    // The command as shown, with only the output directory changed for the test.
    const m = /^RAPKI_ENROLL_TOKEN='([^']+)' rapki (enroll .*) --out \/etc\/rapki$/.exec(command)!;
    const out = join(tmp, 'host');
    const r = await runCli([...m[2]!.split(' '), '--out', out, '--json'], { env: { RAPKI_ENROLL_TOKEN: m[1]! }, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    serial = (JSON.parse(r.out) as { serial: string }).serial;
    const x = openssl(['x509', '-in', join(out, 'certificate.pem'), '-noout', '-serial', '-subject']);
    expect(x.out).toContain(`serial=${serial.toUpperCase()}`);
    expect(x.out).toMatch(/CN ?= ?web-1/);
  }, 120_000);

  it('finds the host through "Search" by serial (pasted with colons), decimal, host and SAN', async () => {
    await page.getByRole('link', { name: 'Certificates', exact: true }).click();
    const colons = serial.match(/../g)!.join(':').toUpperCase();
    for (const q of [colons, BigInt(`0x${serial}`).toString(10), 'web-1', 'web-1.example']) {
      await page.getByLabel('Search').fill(q);
      await page.getByRole('button', { name: 'Find' }).click();
      await expect.poll(() => page.locator(`#s-${serial}`).count(), { message: q }).toBe(1);
    }
    await page.getByLabel('Search').fill(colons);
    await page.getByRole('button', { name: 'Find' }).click();
    await shot(page, 'certificates');
    expect(await seriousViolations(page)).toEqual([]);
  }, 120_000);

  it('the Revoke dialog works from the keyboard and revokes; openssl finds the serial in the CRL', async () => {
    const revoke = page.getByRole('button', { name: `Revoke certificate ${serial} of web-1` });
    await revoke.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Revoke certificate ${serial}` });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await shot(page, 'revoke-dialog');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe(`Revoke certificate ${serial} of web-1`);

    await revoke.click();
    await dialog.getByLabel('Reason').selectOption('keyCompromise');
    await dialog.getByRole('button', { name: 'Revoke certificate' }).click();
    await page.waitForURL(new RegExp(`/ui/hosts/web-1\\?done=revoked`));
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain(`Certificate ${serial} revoked.`);
    await shot(page, 'host');
    expect(await seriousViolations(page)).toEqual([]);

    const crl = await call(ca.url, 'GET', '/v1/crl', { ca: root });
    const file = join(tmp, 'crl.der');
    writeFileSync(file, crl.body);
    const text = openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
    expect(text.ok, text.out).toBe(true);
    expect(text.out.replace(/\s+/g, ' ')).toContain(`Serial Number: ${serial.toUpperCase()} Revocation Date`);
    expect(openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-verify', '-CAfile', ca.rootPem]).out).toContain('verify OK');
  }, 120_000);

  it('the Audit page shows the revocation via: ui with the token id, and verifies the chain', async () => {
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByLabel('Action').selectOption('certificate.revoke');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.locator('table.audit tbody tr').filter({ hasText: serial });
    await expect.poll(() => row.count()).toBe(1);
    const text = (await row.textContent())!;
    expect(text).toContain('via: ui');
    expect(text).toContain('admin:initial');
    expect(text).toContain(createHash('sha256').update(ca.adminToken).digest('hex').slice(0, 16));
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const head = await page.getByLabel(/Chain head/).inputValue();
    expect(head).toMatch(/^\d+:[0-9a-f]{64}$/);
    const cli = await runCli(['audit', 'verify', '--expect-head', head], {
      env: { RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken },
    });
    expect(cli.code, cli.stderr).toBe(0);
    await shot(page, 'audit');
    expect(await seriousViolations(page)).toEqual([]);
  }, 120_000);

  it('a forged request without the CSRF token is refused, from the page itself and from other sites', async () => {
    const before = (await call(ca.url, 'GET', '/v1/admin/audit?limit=1000', { ca: root, token: ca.adminToken })).json.records.length as number;
    // Same origin, session cookie sent, no form token.
    const status = await page.evaluate(
      "fetch('/ui/tokens', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'subject=forged-1' }).then((r) => r.status)",
    );
    expect(status).toBe(403);
    // Another site posting a form (plain HTTP: cross-site, the SameSite=Strict cookie is not sent).
    const forged = (action: string): string =>
      `<!doctype html><form id="f" method="post" action="${action}"><input name="subject" value="forged-2"><input name="_csrf" value="guessed"></form><script>document.getElementById('f').submit()</script>`;
    const http = createHttpServer((_q, s) => s.writeHead(200, { 'content-type': 'text/html' }).end(forged(`${ca.url}/ui/tokens`)));
    // Same site (https://127.0.0.1, another port, a trusted certificate): the cookie IS sent; the Origin check refuses it.
    const https = createHttpsServer({ key: readFileSync(join(ca.dir, 'tls', 'server.key')), cert: readFileSync(join(ca.dir, 'tls', 'server.pem')) }, (_q, s) =>
      s.writeHead(200, { 'content-type': 'text/html' }).end(forged(`${ca.url}/ui/tokens`)),
    );
    attackers.push(http, https);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const evil = await ctx.newPage();
    for (const [server, scheme, expected] of [
      [http, 'http', 401],
      [https, 'https', 403],
    ] as const) {
      const answered = evil.waitForResponse((r) => r.url() === `${ca.url}/ui/tokens` && r.request().method() === 'POST');
      await evil.goto(`${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect((await answered).status()).toBe(expected);
    }
    await evil.close();
    const after = (await call(ca.url, 'GET', '/v1/admin/audit?limit=1000', { ca: root, token: ca.adminToken })).json.records as {
      action: string;
      details: { subject?: string };
    }[];
    expect(after.slice(before).filter((r) => r.action === 'token.create')).toEqual([]);
    // Those attacker pages are the only requests to another origin; drop them from the record.
    for (let i = requests.length - 1; i >= 0; i--)
      if (/^https?:\/\/127\.0\.0\.1:\d+\/$/.test(requests[i]!) && !requests[i]!.startsWith(ca.url)) requests.splice(i, 1);
  }, 120_000);

  it('overview and rotation pages: light and dark, a phone and a wide screen; emergency rotation wants the CA name typed', async () => {
    for (const [name, ttl] of [
      ['web-2', '1d'],
      ['web-3', '2d'],
      ['db-1', '3d'],
      ['db-2', '3d'],
      ['cache-1', '5d'],
      ['batch-1', '6d'],
    ] as const) {
      await enrollQuick(name, ttl);
    }
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    // The trust anchor holds the CA's current CRL (pushed and read back by the CRL sync): no drift.
    const crlNumber = async (): Promise<string> => (await page.locator('.facts dt:has-text("CRL number") + dd').textContent())!.trim();
    const anchor = page.locator('tr').filter({ hasText: trustAnchorArn });
    await expect
      .poll(
        async () => {
          await page.reload();
          return (await anchor.textContent())?.replace(/\s+/g, ' ');
        },
        { timeout: 20_000 },
      )
      .toContain(`${await crlNumber()} in sync`);
    expect(await anchor.locator('.badge-sync-in_sync').count()).toBe(1);
    const overview = await shot(page, 'overview');
    if (process.env.RAPKI_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(DOC_IMAGE, '..'), { recursive: true });
      copyFileSync(overview, DOC_IMAGE);
    }
    expect(await page.locator('.card-active .card-n').textContent()).toBe('6');
    expect(await page.locator('.card-revoked .card-n').textContent()).toBe('1');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Rotation', exact: true }).click();
    const button = page.getByRole('button', { name: 'Start emergency rotation' });
    expect(await button.isDisabled()).toBe(true);
    await page.getByLabel(/Type the CA's name/).fill('rapki Root');
    expect(await button.isDisabled()).toBe(true);
    await page.getByLabel(/Type the CA's name/).fill('rapki Root CA');
    expect(await button.isDisabled()).toBe(false);
    await shot(page, 'rotation');
    expect(await seriousViolations(page)).toEqual([]);

    const dark = await newContext({ colorScheme: 'dark' });
    const phone = await newContext({ viewport: { width: 390, height: 844 } });
    for (const [c, label] of [
      [dark, 'dark'],
      [phone, 'phone'],
    ] as const) {
      const p = await c.newPage();
      await signIn(p, ca.url, ca.adminToken);
      for (const path of ['/ui/', '/ui/certificates', '/ui/hosts/web-1', '/ui/tokens', '/ui/audit', '/ui/rotation']) {
        await p.goto(`${ca.url}${path}`);
        const slug = path.replace(/^\/ui\/?/, '').replace(/\//g, '-') || 'overview';
        await shot(p, `${slug}-${label}`);
        expect(await seriousViolations(p), `${path} (${label})`).toEqual([]);
        if (label === 'phone') {
          // Readable on a phone: the page itself never scrolls sideways (wide tables scroll in their own box).
          expect(await p.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'), path).toBeLessThanOrEqual(0);
        }
      }
      await c.close();
    }
  }, 180_000);

  it('an operator cannot reach admin-only actions, even with a request crafted in the page', async () => {
    const made = await call(ca.url, 'POST', '/v1/admin/admin-tokens', { ca: root, token: ca.adminToken, body: { name: 'night-shift', role: 'operator' } });
    const target = await enrollQuick('op-target', '1d');
    const oc = await newContext();
    const op = await oc.newPage();
    await signIn(op, ca.url, made.json.token as string);
    await op.goto(`${ca.url}/ui/certificates?q=op-target`);
    await expect.poll(() => op.locator(`#s-${target}`).count()).toBe(1);
    expect(await op.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await op.goto(`${ca.url}/ui/tokens`);
    expect(await op.getByRole('heading', { name: 'Admin tokens' }).count()).toBe(0);
    expect(await op.getByRole('button', { name: 'Create token' }).count()).toBe(1);
    const rotation = await op.goto(`${ca.url}/ui/rotation`);
    expect(rotation?.status()).toBe(403);
    expect(await op.getByRole('alert').textContent()).toContain('This admin token may not do that.');
    await shot(op, 'operator-rotation-refused');
    expect(await seriousViolations(op)).toEqual([]);
    // With this session's own CSRF token, the revoke is still refused by role.
    const status = await op.evaluate(
      `fetch('/ui/certificates/${target}/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: document.querySelector('input[name=_csrf]').value, reason: 'keyCompromise' }).toString() }).then((r) => r.status)`,
    );
    expect(status).toBe(403);
    const listed = await call(ca.url, 'GET', '/v1/admin/certificates?host=op-target', { ca: root, token: ca.adminToken });
    expect(listed.json.certificates[0].status).toBe('active');
    await oc.close();
  }, 120_000);

  it('sign-out ends the session; every request of every page went to the CA and nowhere else; no CSP violation', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${ca.url}/ui/sign-in?signed_out=1`);
    expect(await page.getByRole('status').textContent()).toContain('Signed out');
    await page.goto(`${ca.url}/ui/`);
    expect(page.url()).toBe(`${ca.url}/ui/sign-in`);
    await ctx.close();
    const foreign = requests.filter((u) => !u.startsWith(`${ca.url}/`) && !u.startsWith(`${clocked.url}/`));
    expect(foreign).toEqual([]);
    expect(requests.length).toBeGreaterThan(50);
    expect(cspViolations).toEqual([]);
    expect(ca.stderr()).not.toContain(ca.adminToken);
    expect(ca.stderr()).not.toContain(enrollToken);
  }, 60_000);
});

describe('an expired session in the browser (a CA server in this process, its clock moved)', () => {
  it('after the idle timeout the next page is the sign-in page saying the session ended', async () => {
    const c = await newContext();
    const p = await c.newPage();
    await signIn(p, clocked.url, clockedToken);
    await p.goto(`${clocked.url}/ui/certificates`);
    expect(p.url()).toBe(`${clocked.url}/ui/certificates`);
    clock.advance(16 * 60_000);
    await p.goto(`${clocked.url}/ui/certificates`);
    expect(p.url()).toBe(`${clocked.url}/ui/sign-in?ended=expired`);
    expect(await p.getByRole('status').textContent()).toContain('Your session has ended; sign in again.');
    expect((await c.cookies()).map((k) => k.name)).not.toContain('__Host-rapki_session');
    await shot(p, 'session-expired');
    await c.close();
  }, 60_000);
});
