/** A counting semaphore: at most `size` tasks run at once, the rest wait in order. */
export function concurrencyLimit(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (free > 0) free -= 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free += 1;
      }
    },
  };
}

/** `work` on every item, at most `limit` at a time; the results in the items' order. */
export function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const slots = concurrencyLimit(limit);
  return Promise.all(items.map((item) => slots.run(() => work(item))));
}
