import { describe, expect, it } from 'vitest';
import { parseArn, parseArnOf, roleNameOf } from '../../signer/src/arn.js';

const TA = 'arn:aws:rolesanywhere:us-east-2:123456789012:trust-anchor/a545a1fc-5d86-4032-8f4c-61cdd6ff92da';

describe('ARN parsing', () => {
  it('splits partition, service, region, account and resource', () => {
    expect(parseArn(TA)).toEqual({
      partition: 'aws',
      service: 'rolesanywhere',
      region: 'us-east-2',
      accountId: '123456789012',
      resource: 'trust-anchor/a545a1fc-5d86-4032-8f4c-61cdd6ff92da',
    });
    expect(parseArn('arn:aws-cn:iam::123456789012:role/x')?.partition).toBe('aws-cn');
    expect(parseArn('not an arn')).toBeNull();
    expect(parseArn('arn:gcp:iam::123456789012:role/x')).toBeNull();
  });
  it('checks the kind of each ARN', () => {
    expect(parseArnOf('trust-anchor', TA).region).toBe('us-east-2');
    expect(() => parseArnOf('profile', TA)).toThrow(expect.objectContaining({ code: 'invalid_arn' }));
    expect(() => parseArnOf('trust-anchor', TA.replace('a545a1fc', 'zzzz'))).toThrow(/expected arn:aws:rolesanywhere/);
    expect(() => parseArnOf('trust-anchor', TA.replace('us-east-2', ''))).toThrow(expect.objectContaining({ code: 'invalid_arn' }));
    expect(() => parseArnOf('role', 'arn:aws:iam::123456789012:role/')).toThrow(expect.objectContaining({ code: 'invalid_arn' }));
  });
  it('truncates very long input in the message', () => {
    try {
      parseArnOf('role', 'x'.repeat(5000));
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(400);
    }
  });
  it('gives the role name, path included or not', () => {
    expect(roleNameOf('arn:aws:iam::123456789012:role/rolesanywhere1')).toBe('rolesanywhere1');
    expect(roleNameOf('arn:aws:iam::123456789012:role/team/app/Deployer')).toBe('Deployer');
  });
});
