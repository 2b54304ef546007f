import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (DataConverter.failureConverterPath): a failure's message and stack trace travel in its
 * encoded attributes, a payload the codec encrypts, and its message reads "Encoded failure". Provider and
 * OMS error texts end up in failures, so they must not stay readable in the history.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
