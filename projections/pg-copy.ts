// COPY … FROM STDIN / TO STDOUT with the `pg` client and no extra package: pg accepts any
// "submittable" object and calls it back with the protocol's copy messages. Used by the
// benchmark's COPY baseline and by tests that COPY as an analyst.
import type pg from '../adapters/postgres/pg.ts';

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

class CopySubmittable {
  readonly text: string;
  private readonly data: Buffer | undefined;
  private readonly chunks: Buffer[] = [];
  readonly done: Promise<Buffer>;
  private resolve!: (value: Buffer) => void;
  private reject!: (error: unknown) => void;

  constructor(text: string, data?: Buffer) {
    this.text = text;
    this.data = data;
    this.done = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: Connection): void {
    if (this.data === undefined) {
      connection.sendCopyFail('no data: use copyOut for COPY … TO STDOUT');
      return;
    }
    const size = 1 << 16;
    for (let i = 0; i < this.data.length; i += size) connection.sendCopyFromChunk(this.data.subarray(i, i + size));
    connection.endCopyFrom();
  }

  handleCopyData(message: { chunk: Buffer }): void {
    // The chunk is a view into pg's read buffer, which is reused for the next message.
    this.chunks.push(Buffer.from(message.chunk));
  }

  /** Server errors and lost connections alike (a lost connection never sends ReadyForQuery). */
  handleError(error: unknown): void {
    this.reject(error);
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  handleReadyForQuery(): void {
    this.resolve(Buffer.concat(this.chunks));
  }
}

/** Runs `COPY … FROM STDIN` with `data` (in the COPY text format unless the statement says otherwise). */
export async function copyIn(client: pg.ClientBase, sql: string, data: Buffer): Promise<void> {
  const copy = new CopySubmittable(sql, data);
  // pg hands a submittable back instead of a promise; the outcome arrives through its handlers.
  client.query(copy as unknown as pg.QueryConfig);
  await copy.done;
}

/** Runs `COPY … TO STDOUT` and returns everything it wrote. */
export async function copyOut(client: pg.ClientBase, sql: string): Promise<Buffer> {
  const copy = new CopySubmittable(sql);
  client.query(copy as unknown as pg.QueryConfig);
  return copy.done;
}
