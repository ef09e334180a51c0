import type { Action, ActionKind } from '../types.js';
import { banAction } from './ban.js';
import { blockAction } from './block.js';
import { killAction } from './kill.js';
import { quarantineAction } from './quarantine.js';
import { unpersistAction } from './unpersist.js';

/** Every action kind, looked up by the runner when applying and by undo when reading the journal back. */
export const ACTIONS: Readonly<Record<ActionKind, Action<unknown, unknown>>> = {
  kill: killAction as Action<unknown, unknown>,
  quarantine: quarantineAction as Action<unknown, unknown>,
  unpersist: unpersistAction as Action<unknown, unknown>,
  block: blockAction as Action<unknown, unknown>,
  ban: banAction as Action<unknown, unknown>,
};
