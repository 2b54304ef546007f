import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function nearestPackage(from: string): string {
  return existsSync(join(from, 'package.json')) || dirname(from) === from
    ? from
    : nearestPackage(dirname(from));
}

/** The project root: the nearest folder with a package.json above this module, from source and from dist/. */
export const PROJECT_ROOT = nearestPackage(__dirname);
