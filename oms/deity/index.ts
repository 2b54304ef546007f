import type { FrontDoor } from '../door';
import { createEventPublisher, type EventPublisher } from './publisher';
import { deityCommand } from './cli';
import {
  DEITY_DOOR,
  deitySettingsOf,
  type DeityConfig,
  type DeityDependencies,
  type DeityReplyContext,
} from './door';
import { createDeityReporter, type StatusPublisher } from './reporter';
import { deityRoutes } from './routes';
import { deitySettings } from './settings';

/**
 * Deity's Payment Orchestrator: the shop's client endpoints on Deity's paths under DEITY_BASE_PATH (`/api`:
 * `/payment-methods`, `/payment`, `/payment/:shopOrderId`, `/order-updates`), and its PAYMENT_STATUS_UPDATED
 * events on RabbitMQ, published by the reporter.
 */
export const deityDoor: FrontDoor<DeityReplyContext, DeityConfig, Pick<DeityDependencies, 'deity'>> = {
  name: DEITY_DOOR,
  workflows: require.resolve('./workflows'),
  settings: deitySettings,
  dependencies: (config) => ({ deity: deitySettingsOf(config) }),
  routes: deityRoutes,
  commands: (kit) => [deityCommand(kit)],
  worker({ config, temporal, logger }) {
    const url = config.AMQP_URL;
    const serviceUsers = [...deitySettingsOf(config).profiles.keys()];
    let publisher: EventPublisher | undefined;
    let queues: Promise<void> | undefined;
    // Connected at the first event, not at start: a worker without a broker still serves the other doors.
    const publishing: StatusPublisher = {
      async publish(message) {
        if (!url) throw new Error("AMQP_URL is not set: the Deity door's events wait until it is");
        publisher ??= createEventPublisher({ url, logger });
        // Every configured profile's queue is declared first, so that no event is unroutable.
        queues ??= publisher.ensureProfileQueues(serviceUsers).catch((error: unknown) => {
          queues = undefined;
          throw error;
        });
        await queues;
        await publisher.publish(message);
      },
    };
    return {
      reporter: createDeityReporter(temporal, () => publishing),
      // The broker's connection would otherwise keep the process alive once the worker has stopped.
      close: async () => {
        await publisher?.close();
      },
    };
  },
};
