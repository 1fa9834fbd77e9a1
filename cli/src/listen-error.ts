/**
 * A server command that cannot listen (`rapki ca serve`, `rapki emulator`) says which address it
 * tried and what chooses another one, instead of Node's bare `listen EADDRINUSE: address already in
 * use`: scripts that wait for the "listening on" line then fail with that text (README "Tutorial").
 *
 * The codes (`listen_in_use`, `listen_denied`, `listen_unavailable`) are in the `cli` area of the
 * registry (common/src/errors/codes/cli.ts).
 */
import { RapkiError } from '../../common/src/errors.js';

/**
 * The coded error for a failed listen, or undefined when `err` is not one. `how` names what sets the
 * address, e.g. "--listen HOST:PORT (or RAPKI_CA_LISTEN, which npm start reads)".
 */
export function listenError(err: unknown, address: string, how: string): RapkiError | undefined {
  const code = (err as { code?: unknown })?.code;
  if (code === 'EADDRINUSE') {
    return new RapkiError(
      'listen_in_use',
      `${address} is already in use (another rapki, or another program, listens there); choose another address with ${how}`,
      { cause: err },
    );
  }
  if (code === 'EACCES') {
    return new RapkiError('listen_denied', `not allowed to listen on ${address} (ports below 1024 need privileges); choose another address with ${how}`, {
      cause: err,
    });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new RapkiError('listen_unavailable', `no network interface of this machine has the address of ${address}; choose another address with ${how}`, {
      cause: err,
    });
  }
  return undefined;
}
