// ESLint rule `rapki/boundaries`: which package of this repository may import which files of
// another, checked on the resolved path of every relative import (static `import`/`export ... from`,
// `import type`, and dynamic `import()`), so that a path written from any depth is judged the same.
//
// Options: an array of zones `{ from, allow?, deny?, message }`:
// - `from`: the importing files the zone is about;
// - the resolved target of an import (relative to the repository root, `.js` read as `.ts`) is
//   refused when it matches a `deny` pattern, or when `allow` is given and it matches none of them;
// - patterns are path prefixes (`signer/` a folder, `signer/src/index` that file), or regular
//   expressions written as `/.../`.
// Bare package imports (`node:fs`, `yargs`) are not this rule's business.
import { dirname, relative, resolve } from 'node:path';

/** @param {string} p */
function toMatcher(p) {
  if (p.length > 2 && p.startsWith('/') && p.endsWith('/')) {
    const re = new RegExp(p.slice(1, -1));
    return (t) => re.test(t);
  }
  return (t) => (p.endsWith('/') ? t.startsWith(p) : t === p || t === `${p}.ts` || t.startsWith(`${p}/`));
}

/** @type {import('eslint').Rule.RuleModule} */
export const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps the packages of the repository apart (which package may import which files of another)' },
    schema: [
      {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            from: { type: 'string' },
            allow: { type: 'array', items: { type: 'string' } },
            deny: { type: 'array', items: { type: 'string' } },
            message: { type: 'string' },
          },
          required: ['from', 'message'],
          additionalProperties: false,
        },
      },
    ],
    messages: { refused: '{{target}}: {{message}}' },
  },
  create(context) {
    const root = context.cwd;
    const file = relative(root, context.filename);
    const zones = (context.options[0] ?? [])
      .filter((z) => toMatcher(z.from)(file))
      .map((z) => ({ ...z, allowed: z.allow?.map(toMatcher), denied: z.deny?.map(toMatcher) }));
    if (zones.length === 0) return {};

    /** @param {import('estree').Node | null | undefined} source */
    function check(source) {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = relative(root, resolve(dirname(context.filename), source.value)).replace(/\.js$/, '.ts');
      for (const z of zones) {
        const refused = (z.denied?.some((m) => m(target)) ?? false) || (z.allowed !== undefined && !z.allowed.some((m) => m(target)));
        if (refused) {
          context.report({ node: source, messageId: 'refused', data: { target, message: z.message } });
          return;
        }
      }
    }
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
    };
  },
};

/**
 * The local plugin: `rapki/boundaries` between packages, and the same rule as
 * `rapki/store-boundaries` so that the store's zone can have a severity of its own.
 */
export default { meta: { name: 'rapki' }, rules: { boundaries, 'store-boundaries': boundaries } };
