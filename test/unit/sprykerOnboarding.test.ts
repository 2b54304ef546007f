import { confirmationOf } from '../../oms/spryker/onboarding';

describe("X-Confirmation-Status as app-kernel reads it (its first value, PHP's FILTER_VALIDATE_BOOLEAN)", () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    // PHP takes the string "0" for no value at all.
    ['0', undefined],
    ['true', true],
    ['1', true],
    ['yes', true],
    ['On', true],
    ['true,false', true],
    ['false', false],
    ['no', false],
    ['nonsense', false],
    ['false,true', false],
    [['true', 'false'], true],
  ] as const)('%j → %j', (header, expected) => {
    expect(confirmationOf(header as string | string[] | undefined)).toBe(expected);
  });
});
