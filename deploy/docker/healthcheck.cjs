/* global process, fetch, AbortSignal */
// The image's health check: exits 0 when one of the URLs answers 2xx within 2 s, else 1. With URLs as arguments
// it asks those; without, the API's /ready on API_PORT (ready: Temporal answers and the API is not draining)
// and then the worker's /metrics on METRICS_PORT, so one HEALTHCHECK fits whichever of the two processes the
// container runs.
'use strict';

const urls =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [
        `http://127.0.0.1:${process.env.API_PORT || 3000}/ready`,
        ...(process.env.METRICS_PORT ? [`http://127.0.0.1:${process.env.METRICS_PORT}/metrics`] : []),
      ];

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

void (async () => {
  for (const url of urls) if (await answers(url)) process.exit(0);
  process.exit(1);
})();
