/**
 * Calls `stop` on the first SIGINT or SIGTERM, and keeps listening: a later signal finds a listener and is
 * ignored. Run through tsx, a terminal's Ctrl-C reaches both tsx and the process, and tsx may pass it on a
 * moment later; with no listener left, that second signal would end the process (exit 130) halfway through
 * stopping.
 */
export function onStopSignals(stop: () => unknown): void {
  let stopping = false;
  const first = () => {
    if (stopping) return;
    stopping = true;
    void stop();
  };
  process.on('SIGINT', first);
  process.on('SIGTERM', first);
}
