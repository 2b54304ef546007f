import { section, secret } from '../../../config/setting';

/** The memo door's one setting: the token its callers show. */
export const memoSettings = section({
  owner: 'memo',
  title: 'Memo door',
  about: 'A door written only in a test: JSON commands in, receipts out.',
  settings: {
    MEMO_TOKEN: {
      key: 'memo.token',
      schema: secret,
      required: true,
      secret: true,
      description: "The bearer token the memo door's callers show.",
    },
  },
});
