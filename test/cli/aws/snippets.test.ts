/** Pure parts of `rapki aws register`: snippet, trust policy, option checks, attribute mappings. */
import { describe, expect, it } from 'vitest';
import { parseAttributeMapping } from '../../../cli/src/handlers/aws.js';
import { defaultNames, desiredNotifications, validateRegisterOptions, type RegisterOptions } from '../../../cli/src/aws/register.js';
import { awsProfileName, configSnippet, trustPolicy } from '../../../cli/src/aws/snippets.js';

const TA = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b6c1f9e-5f55-4a0e-9d36-2b1b7f1c0a11';
const PR = 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/485fcb17-35bb-40ff-a329-4c7f45cfc9ea';

const base: RegisterOptions = {
  roleArns: ['arn:aws:iam::123456789012:role/web'],
  sessionDurationSeconds: 3600,
  acceptRoleSessionName: false,
  managedPolicyArns: [],
  attributeMappings: [],
  anchor: 'root',
  caExpiryDays: 90,
  endEntityExpiryDays: undefined,
};

describe('config snippet and trust policy', () => {
  it('one profile per role; quotes paths with spaces; --intermediates only when asked', () => {
    const s = configSnippet({
      trustAnchorArn: TA,
      profileArn: PR,
      roleArns: ['arn:aws:iam::123456789012:role/web', 'arn:aws:iam::123456789012:role/team/db'],
      region: 'eu-west-1',
      certDir: '/srv/my certs/',
      intermediates: true,
    });
    expect(s.match(/^\[profile /gm)).toHaveLength(2);
    expect(s).toContain('[profile rapki-web]');
    expect(s).toContain('[profile rapki-db]');
    expect(s).toContain(
      '--certificate "/srv/my certs/certificate.pem" --private-key "/srv/my certs/private-key.pem" --intermediates "/srv/my certs/chain.pem"',
    );
    expect(s).toContain('--region eu-west-1\nregion = eu-west-1\n');
    expect(s).not.toContain('--endpoint');
    expect(configSnippet({ trustAnchorArn: TA, profileArn: PR, roleArns: base.roleArns, region: 'us-east-1', certDir: '/etc/rapki' })).not.toContain(
      '--intermediates',
    );
    expect(awsProfileName('arn:aws:iam::123456789012:role/a b')).toBe('rapki-a-b');
  });

  it('TPM variant: a note on the TSS2 key file and the TPM, the password file when hosts use one; the same credential_process otherwise', () => {
    const common = { trustAnchorArn: TA, profileArn: PR, roleArns: base.roleArns, region: 'us-east-1', certDir: '/etc/rapki' };
    const plain = configSnippet(common);
    const tpm = configSnippet({ ...common, hostKey: 'tpm' });
    expect(tpm).toMatch(
      /^# Host keys in the TPM \(rapki enroll --key tpm\): private-key.pem is a TSS2 key file.*\n# .*TPM_DEVICE, else \/dev\/tpmrm0, else \/dev\/tpm0/,
    );
    expect(tpm.replace(/^#.*\n/gm, '')).toBe(plain);
    const pw = configSnippet({ ...common, hostKey: 'tpm', tpmKeyPasswordFile: '/etc/rapki/tpm key password' });
    expect(pw).toContain('--private-key /etc/rapki/private-key.pem --tpm-key-password-file "/etc/rapki/tpm key password" --trust-anchor-arn');
    expect(configSnippet({ ...common, tpmKeyPasswordFile: '/x' })).toBe(plain);
  });

  it('trust policy: the three actions for the Roles Anywhere service, limited to the anchor', () => {
    expect(trustPolicy(TA)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RapkiRolesAnywhere',
          Effect: 'Allow',
          Principal: { Service: 'rolesanywhere.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
          Condition: { ArnEquals: { 'aws:SourceArn': TA } },
        },
      ],
    });
  });
});

describe('register options', () => {
  it('names resources from the fingerprint', () => {
    expect(defaultNames('ab'.repeat(32))).toEqual({ trustAnchor: 'rapki-abababababababab', profile: 'rapki-abababababababab' });
  });

  it('notification settings: CA expiry on, end-entity off unless a threshold is given', () => {
    expect(desiredNotifications({ caExpiryDays: 90, endEntityExpiryDays: undefined })).toEqual([
      { enabled: true, event: 'CA_CERTIFICATE_EXPIRY', threshold: 90, channel: 'ALL' },
      { enabled: false, event: 'END_ENTITY_CERTIFICATE_EXPIRY', channel: 'ALL' },
    ]);
    expect(desiredNotifications({ caExpiryDays: 30, endEntityExpiryDays: 3 })[1]).toEqual({
      enabled: true,
      event: 'END_ENTITY_CERTIFICATE_EXPIRY',
      threshold: 3,
      channel: 'ALL',
    });
  });

  it('refuses what Roles Anywhere would refuse, before any call', () => {
    const bad: Partial<RegisterOptions>[] = [
      { roleArns: [] },
      { roleArns: ['arn:aws:iam::123456789012:user/x'] },
      { managedPolicyArns: ['arn:aws:iam::123456789012:role/x'] },
      { sessionDurationSeconds: 899 },
      { sessionDurationSeconds: 43_201 },
      { caExpiryDays: 0 },
      { endEntityExpiryDays: 361 },
      { profileName: 'bad/name' },
    ];
    for (const b of bad)
      expect(() => validateRegisterOptions({ ...base, ...b }), JSON.stringify(b)).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
    expect(() =>
      validateRegisterOptions({ ...base, managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], sessionDurationSeconds: 43_200 }),
    ).not.toThrow();
  });

  it('parses attribute mappings', () => {
    expect(parseAttributeMapping('x509Subject=CN,OU')).toEqual({ certificateField: 'x509Subject', mappingRules: [{ specifier: 'CN' }, { specifier: 'OU' }] });
    expect(parseAttributeMapping('x509SAN=DNS')).toEqual({ certificateField: 'x509SAN', mappingRules: [{ specifier: 'DNS' }] });
    for (const s of ['subject=CN', 'x509Subject=', 'x509Subject=C N', `x509Subject=${'A'.repeat(61)}`]) {
      expect(() => parseAttributeMapping(s), s).toThrow(expect.objectContaining({ code: 'flag_value_invalid' }));
    }
  });
});
