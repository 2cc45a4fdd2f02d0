// Just enough Markdown for the tests that hold the docs to the code: fenced code blocks with
// their info strings, and the tables that follow an HTML-comment label. No dependency: the docs
// use plain CommonMark fences (```) and pipe tables only.
import { readFileSync } from 'node:fs';

export interface FencedBlock {
  /** The info string's words: the language first (`ts`, `text`, `json`), then any labels. */
  readonly info: readonly string[];
  /** The lines between the fences, joined with "\n", without a final newline. */
  readonly content: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

export function readDoc(pathFromRoot: string): string {
  return readFileSync(new URL(`../../${pathFromRoot}`, import.meta.url), 'utf8');
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i === lines.length) throw new Error(`unclosed code fence at line ${start + 1}`);
    blocks.push({ info: open[1]!.trim().split(/\s+/).filter((w) => w.length > 0), content: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/** The value of the block's `<prefix>:<value>` label, e.g. `vector:signing.text` → `signing.text`. */
export function labelOf(block: FencedBlock, prefix: string): string | undefined {
  const word = block.info.find((w) => w.startsWith(`${prefix}:`));
  return word?.slice(prefix.length + 1);
}

/** The rows (cells trimmed, header and separator dropped) of the pipe table right after `<!-- label -->`. */
export function labelledTable(markdown: string, label: string): string[][] {
  const lines = markdown.split('\n');
  const at = lines.indexOf(`<!-- ${label} -->`);
  if (at < 0) throw new Error(`no <!-- ${label} --> in the document`);
  const rows: string[][] = [];
  for (let i = at + 1; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(lines[i]!.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return rows.slice(2);
}

/** `code` in backticks → code. */
export function unquote(cell: string): string {
  return cell.replace(/^`(.*)`$/, '$1');
}
