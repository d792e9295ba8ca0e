/**
 * HTTP basic authentication against bcrypt hashes, as exporter-toolkit's
 * webHandler does it: an unknown user is compared against a fixed hash (no
 * user enumeration by timing), and verified (user, hash, password) triples
 * are cached so a scrape every 15 s does not pay bcrypt's cost (about 65 ms at
 * cost 10 with bcryptjs on this machine) each time. The cache key is a
 * SHA-256 digest, so no password is kept in memory.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt of "fakepassword" at cost 10 (exporter-toolkit uses the same idea). */
const UNKNOWN_USER_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const CACHE_ENTRIES = 100;

export interface BasicCredentials {
  user: string;
  password: string;
}

/** The user and password of an `Authorization: Basic ...` header; null when absent or malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicAuthVerifier {
  private readonly cache = new Map<string, boolean>();
  /** bcrypt comparisons run, for tests and the cost figure. */
  bcryptComparisons = 0;

  async verify(credentials: BasicCredentials | null, users: ReadonlyMap<string, string>): Promise<boolean> {
    if (!credentials) return false;
    const knownHash = users.get(credentials.user);
    const hash = knownHash ?? UNKNOWN_USER_HASH;
    const key = createHash('sha256').update(credentials.user).update('\0').update(hash).update('\0').update(credentials.password).digest('base64');
    let matches = this.cache.get(key);
    if (matches === undefined) {
      this.bcryptComparisons += 1;
      // bcryptjs compares the computed and stored hashes in constant time.
      matches = await bcrypt.compare(credentials.password, hash);
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, matches);
    }
    return matches && knownHash !== undefined;
  }
}
