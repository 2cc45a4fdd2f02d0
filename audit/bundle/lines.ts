// Calls `onLine` for every line of a UTF-8 file, or of the byte range [start, end) of it (which
// must begin at a line start), without its "\n", reading 1 MiB at a time; onLine returns false to
// stop. A callback rather than an async iterator: at millions of lines the per-line promise of
// an iterator costs more than the JSON parsing.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface LineRange {
  readonly start: number;
  readonly end: number;
  /** Number of the range's first line in the file (1-based). */
  readonly firstLine: number;
}

export async function forEachLine(file: string, onLine: (line: string, lineNumber: number) => boolean | void, range?: LineRange): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNumber = (range?.firstLine ?? 1) - 1;
  let stopped = false;
  const stream = createReadStream(file, { highWaterMark: 1 << 20, ...(range === undefined ? {} : { start: range.start, end: range.end - 1 }) });
  for await (const chunk of stream) {
    if (stopped) continue;
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      if (onLine(text.slice(start, newline), ++lineNumber) === false) {
        stopped = true;
        break;
      }
      start = newline + 1;
    }
    rest = stopped ? '' : text.slice(start);
  }
  rest += decoder.end();
  if (!stopped && rest.length > 0) onLine(rest, ++lineNumber);
}
