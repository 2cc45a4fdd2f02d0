// `npm run bench -- vault [--seconds S]`
// Seal and open rates of the vault (sealed value v2: AAD built from the binding, DEK unwrapped
// from the KEK for each use, plaintext in secure memory and zeroed), and, in the same run on the
// same sizes, the ceiling: raw sodium XChaCha20-Poly1305 encrypt/decrypt with a fixed key and
// AAD. Sizes: a provider API key (108 bytes) and a source config (1 KiB). Prints both rates and
// their ratio. Single-threaded; run on a quiet machine.
import { setImmediate as turn } from 'node:timers/promises';
import { sodium } from '../../crypto/sodium.ts';
import { allocSecure, zero } from '../../crypto/secure-memory.ts';
import { generateDek, generateKek, withDek, wrapDek } from '../../crypto/vault/key-wrap.ts';
import { open, seal } from '../../crypto/vault/sealed-value.ts';
import { printComparison } from './_support.ts';

const BINDING = { tenantId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', subject: 'u-1', purpose: 'provider-key', field: 'anthropic' };
const SIZES: ReadonlyArray<[string, number]> = [['API key, 108 B', 108], ['source config, 1 KiB', 1024]];

export async function main(args: string[]): Promise<void> {
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? '') || 2;
  const kek = generateKek();
  const dek = generateDek();
  const wrapped = wrapDek(dek, { kid: 'dek-u-1', kv: 1, owner: { kind: 'user', tenantId: BINDING.tenantId, userId: 'u-1' } }, kek);
  zero(dek);
  const rows: [string, string, string][] = [['', 'ops/s', 'vs raw AEAD']];
  for (const [label, size] of SIZES) {
    const plaintext = allocSecure(size);
    sodium.randombytes_buf(plaintext);
    const sealed = withDek(wrapped, kek, (key) => seal(plaintext, key, BINDING, { kid: 'dek-u-1', kv: 1 }));
    const sealRate = await rate(seconds, () => { withDek(wrapped, kek, (key) => seal(plaintext, key, BINDING, { kid: 'dek-u-1', kv: 1 })); });
    const openRate = await rate(seconds, () => { zero(withDek(wrapped, kek, (key) => open(sealed, key, BINDING))); });
    const raw = await rawAead(size, seconds);
    rows.push([`seal   ${label}`, fmt(sealRate), `${(sealRate / raw.encrypt).toFixed(2)} (raw ${fmt(raw.encrypt)})`]);
    rows.push([`open   ${label}`, fmt(openRate), `${(openRate / raw.decrypt).toFixed(2)} (raw ${fmt(raw.decrypt)})`]);
    zero(plaintext);
  }
  printComparison(`vault: seal/open vs raw sodium XChaCha20-Poly1305 (same sizes, ${seconds} s each, one thread)`, rows);
  console.log('\nThe vault does per operation what the raw loop does not: unwrap the DEK from the KEK (a second AEAD),\nbuild the AAD (JCS of the binding), base64url, secure-memory allocation and zeroing.');
}

async function rawAead(size: number, seconds: number): Promise<{ encrypt: number; decrypt: number }> {
  const key = allocSecure(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  sodium.randombytes_buf(key);
  const nonce = Buffer.alloc(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const aad = Buffer.from(`palisade/sealed/v2\n${JSON.stringify(BINDING)}`);
  const message = Buffer.alloc(size, 7);
  const cipher = Buffer.alloc(size + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES);
  const out = Buffer.alloc(size);
  const encrypt = await rate(seconds, () => {
    sodium.randombytes_buf(nonce);
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(cipher, message, aad, null, nonce, key);
  });
  const decrypt = await rate(seconds, () => { sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, cipher, aad, nonce, key); });
  zero(key);
  return { encrypt, decrypt };
}

// Each sodium_malloc (a DEK, a plaintext) is its own locked mapping, unmapped only when its
// buffer's finalizer runs, on an event-loop turn: a loop that never yields aborts Node after
// ~16,000 of them (vm.max_map_count). Services yield all the time; here a turn every 1,000
// operations stands in for that, timed with the rest (handle-command.ts does the same per batch).
async function rate(seconds: number, op: () => void): Promise<number> {
  for (let i = 0; i < 1_000; i++) op(); // warm-up
  await turn();
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < until) {
    for (let i = 0; i < 500; i++) op();
    n += 500;
    if (n % 1_000 === 0) await turn();
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
