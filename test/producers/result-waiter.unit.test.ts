import { describe, expect, it } from 'vitest';
import { ResultWaiter } from '../../producers/result-waiter.ts';
import type { CommandResult } from '../../domain/logical.ts';

const result = (commandDigest: string, outcome: CommandResult['outcome'] = 'accepted'): CommandResult => ({
  commandId: '10000000-0000-4000-8000-000000000001', tenantId: '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6', commandDigest,
  outcome, replayed: false, processedAt: '2026-11-23T10:00:00.000Z',
});
const ID = '10000000-0000-4000-8000-000000000001';

describe('when a result arrives for a commandId', () => {
  it('answers a waiter only if its digest matches the bytes that waiter sent', async () => {
    const waiter = new ResultWaiter();
    const pending = waiter.wait(ID, 1_000, 'aa');
    waiter.deliver(result('ff', 'rejected')); // a forged command's result, same commandId
    waiter.deliver(result('aa'));
    await expect(pending).resolves.toMatchObject({ commandDigest: 'aa', outcome: 'accepted' });
  });

  it('does not hand a forged result that arrived early to the real command', async () => {
    const waiter = new ResultWaiter();
    waiter.deliver(result('ff', 'rejected'));
    await expect(waiter.wait(ID, 50, 'aa')).rejects.toMatchObject({ code: 'RESULT_TIMEOUT' });
  });

  it('keeps a result that arrived before anyone asked', async () => {
    const waiter = new ResultWaiter();
    waiter.deliver(result('aa'));
    await expect(waiter.wait(ID, 50, 'aa')).resolves.toMatchObject({ commandDigest: 'aa' });
  });

  it('rejects pending waits with CLIENT_CLOSED on close', async () => {
    const waiter = new ResultWaiter();
    const pending = waiter.wait(ID, 10_000, 'aa');
    waiter.closeAll();
    await expect(pending).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});
