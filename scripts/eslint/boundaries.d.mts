import type { Rule } from 'eslint';

export declare const boundaries: Rule.RuleModule;
declare const plugin: { meta: { name: string }; rules: Record<'boundaries' | 'store-boundaries', Rule.RuleModule> };
export default plugin;
