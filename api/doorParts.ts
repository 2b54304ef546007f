import { FRONT_DOORS } from '../oms';
import type { FrontDoor } from '../oms/door';
import type { ApiDependencies } from './app';

/**
 * Starts what the front doors run in the API process beside their routes (FrontDoor.api) and answers how to
 * close them all; one failing to close does not keep the others open.
 */
export function startDoorParts(
  deps: ApiDependencies,
  config: unknown,
  doors: readonly FrontDoor[] = FRONT_DOORS,
): () => Promise<void> {
  const parts = doors.flatMap((door) => {
    const part = door.api?.(deps, config);
    return part ? [{ name: door.name, part }] : [];
  });
  return async () => {
    for (const { name, part } of parts)
      await part
        .close()
        .catch((error: Error) =>
          deps.logger.warn('a front door did not close cleanly', { door: name, error: error.message }),
        );
  };
}
