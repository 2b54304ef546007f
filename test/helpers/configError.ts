import { ConfigError } from '../../config';

/** The ConfigError message `load` throws (and fails the test when it throws none). */
export function configError(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
