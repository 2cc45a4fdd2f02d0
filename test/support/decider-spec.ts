// Given/when/then specifications for deciders (after emmett's DeciderSpecification):
//   given(pastEvents).when(command).then(expectedEvents)
//   given(pastEvents).when(command).thenRejects(code)
// The state is rebuilt from the given events with the decider's own evolve, so a spec also
// exercises evolve, and reads as the history that led to the decision.
import { expect } from 'vitest';
import type { Decider, Decision } from '../../domain/decider.ts';
import type { RejectionCode } from '../../domain/errors.ts';

export interface DeciderThen<Event> {
  then(expected: readonly Event[]): void;
  thenRejects(code: RejectionCode): void;
  /** The raw decision, for assertions the two forms above cannot express. */
  decision(): Decision<Event>;
}

export interface DeciderGiven<Command, Event> {
  when(command: Command): DeciderThen<Event>;
}

export function deciderSpec<State, Command, Event>(decider: Decider<State, Command, Event>) {
  return {
    given(events: readonly Event[]): DeciderGiven<Command, Event> {
      const state = events.reduce(decider.evolve, decider.initialState());
      return { when: (command) => thenFor(() => decider.decide(command, state)) };
    },
  };
}

function thenFor<Event>(run: () => Decision<Event>): DeciderThen<Event> {
  return {
    then(expected) {
      // toStrictEqual so an optional field set to undefined differs from an absent one.
      expect(run()).toStrictEqual({ ok: true, events: expected });
    },
    thenRejects(code) {
      const decision = run();
      expect(decision.ok ? { ok: true, events: decision.events } : { ok: false, code: decision.rejection.code }).toStrictEqual({
        ok: false,
        code,
      });
      expect(decision).not.toHaveProperty('events');
    },
    decision: run,
  };
}
