// String.prototype.isWellFormed (ES2024) exists in Node 22, but the project's lib is es2023.
// A well-formed string has no lone surrogate, so it has a UTF-8 form and an RFC 8785 form.
const nativeIsWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;

export function isWellFormed(text: string): boolean {
  return nativeIsWellFormed.call(text);
}
