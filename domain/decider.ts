// The decider pattern (emmett): pure `decide` and `evolve` plus an initial state.
// `decide` returns a Decision rather than throwing, so a refusal is data the processor can record.
import { rejection } from './errors.ts';
import type { Rejection, RejectionCode } from './errors.ts';

export type Decision<Event> =
  | { readonly ok: true; readonly events: readonly Event[] }
  | { readonly ok: false; readonly rejection: Rejection };

export interface Decider<State, Command, Event> {
  readonly decide: (command: Command, state: State) => Decision<Event>;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: () => State;
}

export function accept<Event>(...events: Event[]): Decision<Event> {
  return { ok: true, events };
}

export function refuse<Event>(code: RejectionCode, message: string): Decision<Event> {
  return { ok: false, rejection: rejection(code, message) };
}
