// Display masks (docs/spec.md "Credentials and keys"): what read models and APIs show instead of a
// secret — a known public prefix, an ellipsis, and the last four characters:
//   maskSecret("sk-ant-api03-…long…9f3a") === "sk-ant-…9f3a"
// Rules: the prefix is shown only if it is one of KNOWN_PREFIXES (public format markers, not
// secret); never more than the last four characters of the rest; the last four only when at
// least MIN_HIDDEN_FOR_SUFFIX characters after the prefix stay hidden and they are printable
// ASCII; otherwise the mask is FULLY_MASKED. Works on bytes so a secret held in secure memory
// never has to become a JS string (which could not be zeroed).

export const ELLIPSIS = '…';
export const FULLY_MASKED = ELLIPSIS;
export const SUFFIX_LENGTH = 4;
/** Characters after the prefix that must stay hidden before the last four may be shown. */
export const MIN_HIDDEN_FOR_SUFFIX = 12;

/** Longest first, so "sk-ant-" wins over "sk-". */
export const KNOWN_PREFIXES: readonly string[] = [
  'github_pat_',
  'sk-proj-',
  'sk-ant-',
  'sk-or-',
  'glpat-',
  'xoxb-',
  'xoxp-',
  'xapp-',
  'ghp_',
  'gho_',
  'ghs_',
  'ghu_',
  'ghr_',
  'sk-',
];

function printableAscii(byte: number): boolean {
  return byte >= 0x21 && byte <= 0x7e;
}

function startsWith(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.byteLength < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

function maskBytes(secret: Uint8Array): string {
  const prefix = KNOWN_PREFIXES.find((candidate) => startsWith(secret, candidate)) ?? '';
  // Count characters (code points: every byte that is not a UTF-8 continuation byte), not bytes,
  // so multi-byte characters cannot make a short secret look long enough.
  let rest = 0;
  for (let i = prefix.length; i < secret.byteLength; i++) if ((secret[i]! & 0xc0) !== 0x80) rest++;
  if (rest < MIN_HIDDEN_FOR_SUFFIX + SUFFIX_LENGTH) return FULLY_MASKED;
  let suffix = '';
  for (let i = secret.byteLength - SUFFIX_LENGTH; i < secret.byteLength; i++) {
    const byte = secret[i]!;
    if (!printableAscii(byte)) return FULLY_MASKED;
    suffix += String.fromCharCode(byte);
  }
  return `${prefix}${ELLIPSIS}${suffix}`;
}

/** The display mask of a secret (bytes, e.g. straight from secure memory, or a string). */
export function maskSecret(secret: Uint8Array | string): string {
  if (typeof secret !== 'string') return maskBytes(secret);
  const bytes = Buffer.from(secret, 'utf8');
  try {
    return maskBytes(bytes);
  } finally {
    bytes.fill(0);
  }
}
