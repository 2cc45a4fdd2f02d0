// `npm run bench -- state [--conversations N]`
// The processor's tenant state for one chat-heavy tenant: `evolve` over N conversations, each
// with a turn, its reply and a memory (what a partition rebuild replays), then the cost of one
// more turn once the tenant is that large. Baseline, in the same run: the same entries written
// into mutable native Maps, which is the floor for any immutable state. Tenant state must stay
// immutable (an aborted batch is dropped by keeping the old states), so what matters is that
// the ratio stays flat as N grows: a copy per event would make it fall linearly.
import { evolve, initialState, type ActiveTenant, type TenantState } from '../../domain/tenant/state.ts';
import type { TenantEvent } from '../../domain/tenant/events.ts';
import { printComparison } from './_support.ts';

const ev = (type: TenantEvent['type'], data: object): TenantEvent => ({ type, data }) as TenantEvent;

function replay(n: number): { state: TenantState; ms: number; events: number } {
  let state = evolve(initialState(), ev('TenantCreated', { name: 'Bench', owner: { userId: 'alice', email: 'alice@bench.example' } }));
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const conversationId = `c-${i}`;
    state = evolve(state, ev('ConversationStarted', { conversationId, userId: 'alice' }));
    state = evolve(state, ev('ChatTurnRequested', { conversationId, userId: 'alice', messageId: `m-${i}` }));
    state = evolve(state, ev('AssistantReplied', { conversationId, userId: 'alice', replyTo: `m-${i}` }));
    state = evolve(state, ev('MemoryStored', { memoryId: `mem-${i}`, userId: 'alice' }));
  }
  return { state, ms: performance.now() - started, events: 4 * n };
}

function mutableBaseline(n: number): number {
  const conversations = new Map<string, { userId: string; messages: Map<string, string> }>();
  const memories = new Map<string, { userId: string }>();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const messages = new Map<string, string>();
    conversations.set(`c-${i}`, { userId: 'alice', messages });
    messages.set(`m-${i}`, 'pending');
    messages.set(`m-${i}`, 'answered');
    memories.set(`mem-${i}`, { userId: 'alice' });
  }
  return performance.now() - started;
}

export async function main(args: string[]): Promise<void> {
  const i = args.indexOf('--conversations');
  const sizes = i >= 0 ? [Number(args[i + 1])] : [10_000, 100_000, 1_000_000];
  const rows: [string, string, string][] = [['', 'palisade evolve (events/s)', 'mutable Maps (events/s)']];
  for (const n of sizes) {
    if (!Number.isInteger(n) || n <= 0) throw new Error('--conversations must be a positive integer');
    const baseline = mutableBaseline(n);
    const { state, ms, events } = replay(n);
    const tenant = state as ActiveTenant;
    const oneMore = performance.now();
    for (let k = 0; k < 1_000; k++) evolve(tenant, ev('ChatTurnRequested', { conversationId: 'c-0', userId: 'alice', messageId: `extra-${k}` }));
    const turnUs = ((performance.now() - oneMore) / 1_000) * 1_000;
    rows.push([`${n.toLocaleString('en')} conversations`, (events / (ms / 1_000)).toFixed(0), (events / (baseline / 1_000)).toFixed(0)]);
    rows.push(['  ratio evolve/mutable', (baseline / ms).toFixed(2), '']);
    rows.push(['  one more turn in that tenant (µs)', turnUs.toFixed(1), '']);
  }
  printComparison(`tenant state replay, ${process.version}, one core`, rows);
}
