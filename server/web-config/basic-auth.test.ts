import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { BasicAuthVerifier, parseBasicAuthorization } from './basic-auth.js';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('basic authentication', () => {
  const users = new Map([['prometheus', bcrypt.hashSync('s3cret', 10).replace('$2b$', '$2y$')]]);

  it('parses the Authorization header; a password may hold colons', () => {
    expect(parseBasicAuthorization(header('prometheus', 'a:b'))).toEqual({ user: 'prometheus', password: 'a:b' });
    expect(parseBasicAuthorization('Bearer abc')).toBeNull();
    expect(parseBasicAuthorization(undefined)).toBeNull();
  });

  it('accepts the right password against a $2y$ hash and refuses the rest', async () => {
    const verifier = new BasicAuthVerifier();
    expect(await verifier.verify(parseBasicAuthorization(header('prometheus', 's3cret')), users)).toBe(true);
    expect(await verifier.verify(parseBasicAuthorization(header('prometheus', 'wrong')), users)).toBe(false);
    expect(await verifier.verify(parseBasicAuthorization(header('nobody', 's3cret')), users)).toBe(false);
    expect(await verifier.verify(null, users)).toBe(false);
  });

  it('pays bcrypt once per (user, hash, password): a scrape every 15 s costs no bcrypt', async () => {
    const verifier = new BasicAuthVerifier();
    for (let i = 0; i < 5; i++) expect(await verifier.verify({ user: 'prometheus', password: 's3cret' }, users)).toBe(true);
    for (let i = 0; i < 5; i++) expect(await verifier.verify({ user: 'prometheus', password: 'wrong' }, users)).toBe(false);
    expect(verifier.bcryptComparisons).toBe(2);
    // A changed hash (new password in the file) is a new key: the old verdict is not reused.
    const rotated = new Map([['prometheus', bcrypt.hashSync('n3w', 10)]]);
    expect(await verifier.verify({ user: 'prometheus', password: 's3cret' }, rotated)).toBe(false);
    expect(verifier.bcryptComparisons).toBe(3);
  });

  it('an unknown user still costs a bcrypt comparison (no user enumeration by timing)', async () => {
    const verifier = new BasicAuthVerifier();
    expect(await verifier.verify({ user: 'nobody', password: 'x' }, users)).toBe(false);
    expect(verifier.bcryptComparisons).toBe(1);
  });
});
