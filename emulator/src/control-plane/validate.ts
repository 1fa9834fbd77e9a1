/**
 * Input validation with the service's constraint messages (Smithy "1 validation error detected:
 * ..." form, as the real service words a ValidationException). Each helper returns the typed value or throws.
 */
import { LIMITS, PATTERNS } from '../constants.js';
import { constraintViolation, validation } from '../service-error.js';

export type Json = Record<string, unknown>;

export function bodyObject(body: unknown): Json {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw validation('Request body must be a JSON object');
  return body as Json;
}

export function requireField(member: string, v: unknown): unknown {
  if (v === undefined || v === null) throw constraintViolation(member, null, 'Member must not be null');
  return v;
}

export function str(member: string, v: unknown, opts: { required?: boolean; min?: number; max?: number; pattern?: RegExp } = {}): string | undefined {
  if (v === undefined || v === null) {
    if (opts.required) requireField(member, v);
    return undefined;
  }
  if (typeof v !== 'string') throw validation(`Invalid type for '${member}': expected a string`);
  const min = opts.min ?? 0;
  if (v.length < min) throw constraintViolation(member, v, `Member must have length greater than or equal to ${min}`);
  if (opts.max !== undefined && v.length > opts.max) {
    throw constraintViolation(member, v, `Member must have length less than or equal to ${opts.max}`);
  }
  if (opts.pattern && !opts.pattern.test(v)) {
    throw constraintViolation(member, v, `Member must satisfy regular expression pattern: ${opts.pattern.source}`);
  }
  return v;
}

export function bool(member: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw validation(`Invalid type for '${member}': expected a boolean`);
  return v;
}

export function int(member: string, v: unknown, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw validation(`Invalid type for '${member}': expected an integer`);
  if (v < min) throw constraintViolation(member, v, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw constraintViolation(member, v, `Member must have value less than or equal to ${max}`);
  return v;
}

export function list(member: string, v: unknown, opts: { required?: boolean; min?: number; max?: number } = {}): unknown[] | undefined {
  if (v === undefined || v === null) {
    if (opts.required) requireField(member, v);
    return undefined;
  }
  if (!Array.isArray(v)) throw validation(`Invalid type for '${member}': expected a list`);
  if (opts.min !== undefined && v.length < opts.min) {
    throw constraintViolation(member, `[${v.length} items]`, `Member must have length greater than or equal to ${opts.min}`);
  }
  if (opts.max !== undefined && v.length > opts.max) {
    throw constraintViolation(member, `[${v.length} items]`, `Member must have length less than or equal to ${opts.max}`);
  }
  return v;
}

export const resourceName = (member: string, v: unknown, required: boolean): string | undefined =>
  str(member, v, { required, min: 1, max: LIMITS.nameMax, pattern: PATTERNS.resourceName });

export const uuid = (member: string, v: unknown): string => str(member, v, { required: true, min: 36, max: 36, pattern: PATTERNS.uuid })!;

export function tags(member: string, v: unknown): { key: string; value: string }[] | undefined {
  const items = list(member, v, { max: LIMITS.tagsPerResource });
  if (items === undefined) return undefined;
  return items.map((t, i) => {
    const o = bodyObject(t);
    const key = str(`${member}.${i + 1}.member.key`, o.key, { required: true, min: 1, max: LIMITS.tagKeyMax, pattern: PATTERNS.tag })!;
    const value = str(`${member}.${i + 1}.member.value`, o.value, { required: true, min: 0, max: LIMITS.tagValueMax, pattern: PATTERNS.tag })!;
    return { key, value };
  });
}
