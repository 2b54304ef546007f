import { runSettle } from './settle';

/** `settle` (`npm run settle -- <command>`): see cli/settle.ts. */
runSettle(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
);
