/**
 * What CreateSession derives from the leaf (Roles Anywhere User Guide, "Trust model"): the source
 * identity (`CN=<cn>` for CN ≤ 61 chars, `<cn>` for 62-64, else `ID=<hex serial>`), the default role
 * session name (hex serial), and principal tags per the profile's attribute mappings
 * (`x509Subject/CN`, `x509Issuer/O`, `x509SAN/DNS`, ...; multi-valued RDNs joined with `/`).
 */
import type { ParsedCertificate } from '../pki/certificate.js';
import type { Rdn } from '../pki/distinguished-name.js';
import type { AttributeMapping } from '../state/model.js';

export function sourceIdentity(leaf: ParsedCertificate): string {
  const cn = leaf.subject.find(([k]) => k === 'CN')?.[1];
  if (cn !== undefined && cn.length > 0 && cn.length <= 61) return `CN=${cn}`;
  if (cn !== undefined && cn.length >= 62 && cn.length <= 64) return cn;
  const hex = leaf.serialHex.length % 2 === 0 ? leaf.serialHex : `0${leaf.serialHex}`;
  return `ID=${hex}`;
}

/** Default role session name: the serial in hex (lower case, emulator choice). */
export const defaultRoleSessionName = (leaf: ParsedCertificate): string => (leaf.serialHex.length % 2 === 0 ? leaf.serialHex : `0${leaf.serialHex}`);

function rdnTags(prefix: string, rdns: readonly Rdn[], specifiers: readonly string[]): Record<string, string> {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of rdns) grouped.set(k, [...(grouped.get(k) ?? []), v]);
  const out: Record<string, string> = {};
  for (const [k, values] of grouped) {
    if (specifiers.includes('*') || specifiers.includes(k)) out[`${prefix}/${k}`] = values.join('/');
  }
  return out;
}

export function sessionTags(leaf: ParsedCertificate, mappings: readonly AttributeMapping[]): Record<string, string> {
  const specs = (field: string) => mappings.find((m) => m.certificateField === field)?.mappingRules.map((r) => r.specifier) ?? [];
  const tags: Record<string, string> = {
    ...rdnTags('x509Subject', leaf.subject, specs('x509Subject')),
    ...rdnTags('x509Issuer', leaf.issuer, specs('x509Issuer')),
  };
  const san = specs('x509SAN');
  if (san.includes('DNS') && leaf.san.dns[0] !== undefined) tags['x509SAN/DNS'] = leaf.san.dns[0];
  if (san.includes('URI') && leaf.san.uri[0] !== undefined) tags['x509SAN/URI'] = leaf.san.uri[0];
  const dirName = leaf.san.directoryNames[0];
  if (dirName !== undefined) {
    const nameSpecs = san.filter((s) => s.startsWith('Name/')).map((s) => s.slice(5));
    Object.assign(tags, rdnTags('x509SAN/Name', dirName, nameSpecs));
  }
  return tags;
}
