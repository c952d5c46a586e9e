// Test keys from ssh2's generator, which now and then writes an ed25519 key that ssh2 itself (and
// OpenSSH) refuses: when the public key's first byte is 0 it drops that byte (31 bytes, not 32), about
// one key in 300. Fixtures must not fail one run in a hundred for it: keep drawing until the pair parses.
import { type ParsedKey, utils } from 'ssh2';

export interface TestKeyPair {
  private: string;
  public: string;
  /** The private key, parsed (and opened when it has a passphrase). */
  parsed: ParsedKey;
}

/** An ed25519 pair; with `locked`, its private key is encrypted with that passphrase, cipher and KDF rounds. */
export function ed25519Pair(locked?: { passphrase: string; cipher: string; rounds: number }): TestKeyPair {
  for (let draw = 0; draw < 100; draw++) {
    const pair = locked ? utils.generateKeyPairSync('ed25519', locked) : utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.private, locked?.passphrase);
    const pub = utils.parseKey(pair.public);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key && !(key instanceof Error) && !(pub instanceof Error)) return { private: pair.private, public: pair.public, parsed: key };
  }
  throw new Error('ssh2 generated 100 ed25519 keys in a row that it cannot parse');
}
