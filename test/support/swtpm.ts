/**
 * A software TPM 2.0 for tests: Debian's `swtpm` started by the test on a Unix socket in a temp
 * directory, killed and removed afterwards. Keys are made the way users make them today, with the
 * real tools (independent of rapki's TPM code): the tpm2-openssl provider (`openssl genpkey
 * -provider tpm2`) writes TSS2 key files, tpm2-tools makes persistent keys and sets the
 * dictionary-attack parameters.
 *
 * Facts this relies on: tpm2-tools' swtpm TCTI finds the control socket at `<socket>.ctrl`; swtpm has
 * no resource manager, so every tool flushes what it loaded (rapki's client does too); libtpms locks
 * out after 3 wrong passwords for 1000 s, so {@link startSwtpm} relaxes that unless told not to.
 *
 * Tests skip (with {@link SWTPM_SKIP_REASON}) only when the tools are missing; `.ci/run` installs
 * them, so in CI they run.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The tpm2-openssl provider module is installed (loading it needs a TPM, so only the file is checked). */
function hasTpm2Provider(): boolean {
  const r = spawnSync('openssl', ['version', '-m'], { encoding: 'utf8' });
  const dir = /MODULESDIR: "([^"]+)"/.exec(r.stdout ?? '')?.[1];
  return dir !== undefined && existsSync(join(dir, 'tpm2.so'));
}

/** True when swtpm, tpm2-tools and the tpm2-openssl provider are all present. */
export const SWTPM_AVAILABLE: boolean = onPath('swtpm') && onPath('tpm2_createprimary') && onPath('tpm2_dictionarylockout') && hasTpm2Provider();

export const SWTPM_SKIP_REASON =
  'software TPM tests skipped: swtpm, tpm2-tools (with libtss2-tcti-swtpm0) or the tpm2-openssl provider not found; install swtpm swtpm-tools tpm2-tools libtss2-tcti-swtpm0 tpm2-openssl (.ci/run does)';

export interface Swtpm {
  readonly dir: string;
  /** The data socket: what `TPM_DEVICE` names. */
  readonly socket: string;
  /** `{ TPM_DEVICE }` for rapki child processes. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs a tpm2-tools command against this TPM; returns stdout. */
  tools(cmd: string, args: readonly string[]): string;
  /** Runs openssl with the tpm2 provider loaded and pointed at this TPM; returns stdout. */
  openssl(args: readonly string[]): string;
  /** Sets the dictionary-attack parameters (tpm2_dictionarylockout -s). */
  setLockout(o: { maxTries: number; recoverySeconds: number; lockoutRecoverySeconds?: number }): void;
  /** Clears a lockout (tpm2_dictionarylockout -c). */
  clearLockout(): void;
  /** Kills swtpm with SIGKILL (its socket file stays: a TPM daemon that died); `stop` still cleans up. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForSocket(path: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`swtpm exited with ${child.exitCode} before listening`);
    if (existsSync(path)) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ path });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
    }
    if (Date.now() > deadline) throw new Error(`swtpm did not listen on ${path} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts swtpm in a new temp directory. Unless `strictLockout`, the lockout is relaxed to 1000
 * tries with a 1 s recovery, so wrong-password tests do not lock the keys of the next test.
 */
export async function startSwtpm(o: { strictLockout?: boolean } = {}): Promise<Swtpm> {
  if (!SWTPM_AVAILABLE) throw new Error(SWTPM_SKIP_REASON);
  const dir = mkdtempSync(join(tmpdir(), 'rapki-swtpm-'));
  mkdirSync(join(dir, 'state'));
  const socket = join(dir, 'sock');
  const child = spawn(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--server',
      `type=unixio,path=${socket}`,
      '--ctrl',
      `type=unixio,path=${socket}.ctrl`,
      '--tpmstate',
      `dir=${join(dir, 'state')}`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForSocket(socket, child, 15_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; swtpm said: ${stderr.trim()}`, { cause: err });
  }
  const toolEnv = { ...process.env, TPM2TOOLS_TCTI: `swtpm:path=${socket}`, TPM2OPENSSL_TCTI: `swtpm:path=${socket}` };
  const tools = (cmd: string, args: readonly string[]): string =>
    execFileSync(cmd, [...args], { env: toolEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const tpm: Swtpm = {
    dir,
    socket,
    env: { TPM_DEVICE: socket },
    tools,
    openssl: (args) => execFileSync('openssl', [...args], { env: toolEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }),
    setLockout: (l) =>
      void tools('tpm2_dictionarylockout', ['-s', '-n', String(l.maxTries), '-t', String(l.recoverySeconds), '-l', String(l.lockoutRecoverySeconds ?? 1)]),
    clearLockout: () => void tools('tpm2_dictionarylockout', ['-c']),
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    stop,
  };
  if (!o.strictLockout) tpm.setLockout({ maxTries: 1000, recoverySeconds: 1 });
  return tpm;
}

export type TpmKeyAlg = 'ec:P-256' | 'ec:P-384' | 'rsa:2048' | 'rsa:3072';

/**
 * A TSS2 key file made by the tpm2-openssl provider (`openssl genpkey -provider tpm2`), under the
 * owner hierarchy (the provider's default parent) or the persistent `parent`, with or without a
 * password. Returns the key file and its public key (PEM, exported by the provider).
 */
export function makeTss2Key(
  tpm: Swtpm,
  dir: string,
  name: string,
  o: { alg: TpmKeyAlg; password?: string; parent?: number },
): { keyFile: string; publicKeyFile: string } {
  const keyFile = join(dir, `${name}.tss2.pem`);
  const publicKeyFile = join(dir, `${name}.pub.pem`);
  const [kind, param] = o.alg.split(':') as [string, string];
  const args = ['genpkey', '-provider', 'tpm2', '-provider', 'default', '-algorithm', kind === 'ec' ? 'EC' : 'RSA'];
  args.push('-pkeyopt', kind === 'ec' ? `group:${param}` : `bits:${param}`);
  if (o.password !== undefined) args.push('-pkeyopt', `user-auth:${o.password}`);
  if (o.parent !== undefined) args.push('-pkeyopt', `parent:0x${o.parent.toString(16)}`);
  args.push('-out', keyFile);
  tpm.openssl(args);
  tpm.openssl([
    'pkey',
    '-provider',
    'tpm2',
    '-provider',
    'default',
    ...(o.password !== undefined ? ['-passin', `pass:${o.password}`] : []),
    '-in',
    keyFile,
    '-pubout',
    '-out',
    publicKeyFile,
  ]);
  return { keyFile, publicKeyFile };
}

/**
 * A persistent key made with tpm2-tools: a primary under the owner hierarchy, a child signing key
 * (EC or RSA) under it, made persistent at `handle`. Returns its public key as PEM.
 */
export function makePersistentKey(
  tpm: Swtpm,
  dir: string,
  o: { handle: number; alg: TpmKeyAlg; password?: string; primaryHandle?: number },
): { publicKeyFile: string } {
  const base = join(dir, `persist-${o.handle.toString(16)}`);
  const [kind, param] = o.alg.split(':') as [string, string];
  const keyAlg = kind === 'ec' ? (param === 'P-384' ? 'ecc384' : 'ecc256') : `rsa${param}`;
  tpm.tools('tpm2_createprimary', [
    '-C',
    'o',
    '-G',
    'ecc256:aes128cfb',
    '-a',
    'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt',
    '-c',
    `${base}.primary.ctx`,
  ]);
  tpm.tools('tpm2_create', [
    '-C',
    `${base}.primary.ctx`,
    '-G',
    keyAlg,
    '-a',
    'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign',
    ...(o.password !== undefined ? ['-p', o.password] : []),
    '-u',
    `${base}.pub`,
    '-r',
    `${base}.priv`,
  ]);
  tpm.tools('tpm2_flushcontext', ['-t']);
  tpm.tools('tpm2_load', ['-C', `${base}.primary.ctx`, '-u', `${base}.pub`, '-r', `${base}.priv`, '-c', `${base}.ctx`]);
  tpm.tools('tpm2_evictcontrol', ['-C', 'o', '-c', `${base}.ctx`, `0x${o.handle.toString(16)}`]);
  tpm.tools('tpm2_flushcontext', ['-t']);
  if (o.primaryHandle !== undefined) {
    tpm.tools('tpm2_evictcontrol', ['-C', 'o', '-c', `${base}.primary.ctx`, `0x${o.primaryHandle.toString(16)}`]);
    tpm.tools('tpm2_flushcontext', ['-t']);
  }
  const publicKeyFile = `${base}.pub.pem`;
  tpm.tools('tpm2_readpublic', ['-c', `0x${o.handle.toString(16)}`, '-f', 'pem', '-o', publicKeyFile]);
  return { publicKeyFile };
}

/** Writes `text` to a new file in `dir` (0600) and returns its path. */
export function writeSecretFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

/** The PEM text of a file. */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
