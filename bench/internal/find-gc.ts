import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A way to force a full collection: `global.gc` under `node --expose-gc`, else the same flag set
 * at run time (V8 then lets a new context see `gc`). Without one, old-generation garbage would
 * count as denylist memory, so the measurement is skipped rather than overstated.
 */
export function findGc(): { gc: () => void; method: string } | undefined {
  const exposed = globalThis.gc;
  if (exposed !== undefined) {
    const gc = (): void => {
      exposed();
    };
    return { gc, method: 'deltas between full GCs (global.gc, node --expose-gc)' };
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (() => void) | undefined;
    if (typeof gc === 'function') {
      return { gc, method: 'deltas between full GCs (gc exposed by v8.setFlagsFromString)' };
    }
  } catch {
    // No way to force a collection.
  }
  return undefined;
}
