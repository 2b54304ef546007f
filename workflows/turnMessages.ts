import { defineSignal } from '@temporalio/workflow';

/**
 * The messages by which the commands of one payment hand its turn (turn.ts) on, among command workflows —
 * never to the turn's own workflow, whose provider call runs as a local activity, which a signal arriving in
 * its workflow task would make run again. Each carries command workflow ids, in arrival order.
 */

/** To the command holding the payment's turn: these commands wait for it, in this order. */
export const turnWantedSignal = defineSignal<[readonly string[]]>('turnWanted');
/** To a waiting command: the turn it waited for has ended; these commands wait after it, in this order. */
export const turnFreeSignal = defineSignal<[readonly string[]]>('turnFree');
