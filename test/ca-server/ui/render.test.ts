/** Pure parts of the console: escaping, the search box's reading of serials, actor strings, renewal chains, the chart scale. */
import { describe, expect, it } from 'vitest';
import { formatActor, parseActor } from '../../../ca-server/src/authority/audit-actor.js';
import { escapeHtml, html, trusted } from '../../../ca-server/src/ui/html.js';
import { expiryChart, niceMax } from '../../../ca-server/src/ui/pages/expiry-chart.js';
import { renewalChains } from '../../../ca-server/src/ui/pages/host.js';
import { searchCriteria } from '../../../ca-server/src/ui/search-terms.js';
import type { CertificateRecord } from '../../../ca-server/src/store/types.js';

describe('html', () => {
  it('escapes every interpolated value, keeps SafeHtml, joins arrays, drops null/undefined/false', () => {
    const evil = `<script>alert("x")</script>&'`;
    expect(escapeHtml(evil)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(`<p title="${escapeHtml(evil)}">${escapeHtml(evil)}</p>`);
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
    expect(html`${null}${undefined}${false}${0}${trusted('<br>')}`.value).toBe('0<br>');
  });
});

describe('search box', () => {
  const serial = '5f1a0b9c2d3e4f5061728394a5b6c7d8e9f00112';
  it('reads a serial in hex with or without colons, spaces, serial=, 0x, any case', () => {
    const colons = serial.match(/../g)!.join(':');
    for (const t of [
      serial,
      serial.toUpperCase(),
      colons,
      colons.toUpperCase(),
      `serial=${serial.toUpperCase()}`,
      `0x${serial}`,
      serial.match(/..../g)!.join(' '),
    ]) {
      expect(searchCriteria(t)?.serials, t).toContain(serial);
    }
  });
  it('reads digits as decimal too (as some tools print serials), and leading zeros as hex does', () => {
    const decimal = BigInt(`0x${serial}`).toString(10);
    expect(searchCriteria(decimal)?.serials).toEqual([serial]); // 49 digits: too long for hex
    expect([...(searchCriteria('1234')?.serials ?? [])].sort()).toEqual(['04d2', '1234']);
    expect(searchCriteria('00ff')?.serials).toContain('ff');
  });
  it('names: lower-case prefix, SAN type dropped; empty text is no search', () => {
    expect(searchCriteria(' Web-1.Example ')).toEqual({ namePrefix: 'web-1.example', serials: [] });
    expect(searchCriteria('dns:web-1')?.namePrefix).toBe('web-1');
    expect(searchCriteria('ip:10.0.0.7')?.namePrefix).toBe('10.0.0.7');
    expect(searchCriteria('   ')).toBeUndefined();
    expect(searchCriteria(undefined)).toBeUndefined();
  });
});

describe('audit actor', () => {
  it('API actors are unchanged; console actors carry via and the token id; both parse back', () => {
    expect(formatActor({ role: 'admin', name: 'alice' })).toBe('admin:alice');
    const ui = formatActor({ role: 'operator', name: 'bob@x', via: 'ui', tokenId: '0123456789abcdef' });
    expect(ui).toBe('operator:bob@x via=ui token=0123456789abcdef');
    expect(parseActor(ui)).toEqual({ who: 'operator:bob@x', via: 'ui', tokenId: '0123456789abcdef' });
    expect(parseActor('admin:alice')).toEqual({ who: 'admin:alice', via: undefined, tokenId: undefined });
    expect(parseActor('system')).toEqual({ who: 'system', via: undefined, tokenId: undefined });
    expect(parseActor('token:abcd1234').who).toBe('token:abcd1234');
  });
});

describe('renewal chains and chart scale', () => {
  const c = (serial: string, renewedFrom: string | null) => ({ serial, renewedFrom }) as CertificateRecord;
  it('one chain per enrollment, newest first, robust to a missing link or a cycle', () => {
    const chains = renewalChains([c('04', '03'), c('03', '01'), c('02', null), c('01', null), c('06', 'gone')]);
    expect(chains.map((ch) => ch.map((x) => x.serial))).toEqual([['04', '03', '01'], ['02'], ['06']]);
    expect(renewalChains([c('a', 'b'), c('b', 'a')])).toEqual([]);
  });
  it('axis maximum is 1, 2 or 5 times a power of ten; the chart has a text alternative', () => {
    expect([0, 1, 3, 7, 10, 11, 260, 999].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 500, 1000]);
    const svg = expiryChart([
      { label: 'within 1 d', count: 12 },
      { label: '1–2 d', count: 0 },
    ]).value;
    expect(svg).toContain('role="img"');
    expect(svg).toContain('12 certificates expire in the next 2 days: within 1 d: 12; 1–2 d: 0.');
    expect(svg).not.toContain('style=');
  });
});
