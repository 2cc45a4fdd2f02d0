// A small lexer for the purity lint: blanks out comments (and optionally the insides of string,
// template and regex literals) while keeping every newline, so that pattern matches on the
// result report the right line and never fire on prose or on text inside literals.

export interface MaskedSource {
  /** Comments blanked; literals intact (for reading import specifiers). */
  readonly withoutComments: string;
  /** Comments and literal contents blanked (for matching identifiers). */
  readonly codeOnly: string;
}

const KEYWORDS_BEFORE_REGEX = new Set([
  'return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await',
]);

/** Whether a `/` at `index` starts a regex literal rather than a division (standard heuristic). */
function startsRegex(source: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && /\s/.test(source[i]!)) i -= 1;
  if (i < 0) return true;
  const previous = source[i]!;
  if ('(,=:[!&|?{};~+-*%<>^'.includes(previous)) return true;
  const word = /[A-Za-z_$][\w$]*$/.exec(source.slice(Math.max(0, i - 20), i + 1));
  return word !== null && KEYWORDS_BEFORE_REGEX.has(word[0]);
}

const blank = (text: string): string => text.replace(/[^\n]/g, ' ');

export function maskSource(source: string): MaskedSource {
  let withoutComments = '';
  let codeOnly = '';
  const code = (text: string) => {
    withoutComments += text;
    codeOnly += text;
  };
  const literal = (open: string, body: string, close: string) => {
    withoutComments += open + body + close;
    codeOnly += open + blank(body) + close;
  };
  const comment = (text: string) => {
    withoutComments += blank(text);
    codeOnly += blank(text);
  };
  // Brace depth inside each open `${ … }` of a template literal, innermost last.
  const templateDepths: number[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const next = source[i + 1];
    if (char === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      comment(source.slice(i, stop));
      i = stop;
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      comment(source.slice(i, stop));
      i = stop;
    } else if (char === '"' || char === "'") {
      const stop = endOfQuoted(source, i + 1, char);
      literal(char, source.slice(i + 1, stop - 1), source.slice(stop - 1, stop));
      i = stop;
    } else if (char === '`' || (char === '}' && templateDepths.at(-1) === 0)) {
      if (char === '}') templateDepths.pop();
      const { stop, opensExpression } = endOfTemplateChunk(source, i + 1);
      const closeLength = opensExpression ? 2 : 1;
      literal(char, source.slice(i + 1, stop - closeLength), source.slice(stop - closeLength, stop));
      if (opensExpression) templateDepths.push(0);
      i = stop;
    } else if (char === '/' && startsRegex(source, i)) {
      const stop = endOfRegex(source, i + 1);
      literal('/', source.slice(i + 1, stop - 1), '/');
      i = stop;
    } else {
      if (templateDepths.length > 0 && (char === '{' || char === '}')) {
        templateDepths[templateDepths.length - 1]! += char === '{' ? 1 : -1;
      }
      code(char);
      i += 1;
    }
  }
  return { withoutComments, codeOnly };
}

/** Index just past the closing quote (or the end of the line for an unterminated string). */
function endOfQuoted(source: string, from: number, quote: string): number {
  let i = from;
  while (i < source.length && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, source.length);
}

/** Index just past the closing backtick, or past the `${` that opens an expression. */
function endOfTemplateChunk(source: string, from: number): { stop: number; opensExpression: boolean } {
  let i = from;
  while (i < source.length) {
    if (source[i] === '\\') i += 2;
    else if (source[i] === '`') return { stop: i + 1, opensExpression: false };
    else if (source[i] === '$' && source[i + 1] === '{') return { stop: i + 2, opensExpression: true };
    else i += 1;
  }
  return { stop: source.length, opensExpression: false };
}

/** Index just past the closing slash of a regex literal (flags stay as code). */
function endOfRegex(source: string, from: number): number {
  let i = from;
  let inClass = false;
  while (i < source.length && source[i] !== '\n') {
    const char = source[i];
    if (char === '\\') i += 1;
    else if (char === '[') inClass = true;
    else if (char === ']') inClass = false;
    else if (char === '/' && !inClass) return i + 1;
    i += 1;
  }
  return i;
}
