/**
 * How a freshly made admin token is shown to a person (`ca init`, `npm start`'s first start): on a
 * line of its own, inside a frame that stands out among log lines, with what to do with it and how
 * to get another if it is lost. The secret is never written anywhere else, so this is the one
 * chance to copy it.
 */
const RULE = '='.repeat(78);

export function framedAdminToken(token: string, caDir: string): string {
  return (
    `\n${RULE}\n` +
    'Admin token of this CA, shown only now (the CA keeps only its hash). Copy it from the next line:\n\n' +
    `${token}\n\n` +
    'Keep it in a secret store; admin commands read it from RAPKI_ADMIN_TOKEN (or --admin-token-file).\n' +
    `Lost it? On this host: rapki admin-token create --dir ${shellWord(caDir)} --name NAME --role admin\n` +
    `${RULE}\n\n`
  );
}

/** A path as one shell word (quoted only when it needs to be). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
