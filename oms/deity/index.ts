import type { FrontDoor } from '../door';
import { startOrderUpdateConsumer } from './orderUpdateConsumer';
import { createProfilePublisher } from './publisher';
import { deityCommand } from './cli';
import {
  DEITY_DOOR,
  deitySettingsOf,
  type DeityConfig,
  type DeityDependencies,
  type DeityReplyContext,
} from './door';
import { createDeityReporter } from './reporter';
import { deityRoutes } from './routes';
import { deitySettings } from './settings';

/**
 * Deity's Payment Orchestrator: the shop's client endpoints on Deity's paths under DEITY_BASE_PATH (`/api`:
 * `/payment-methods`, `/payment`, `/payment/:shopOrderId`, `/order-updates`), its order updates also from
 * RabbitMQ (consumed by the API process), and its PAYMENT_STATUS_UPDATED and PAYMENT_ERROR events on RabbitMQ,
 * published by the worker's reporter.
 */
export const deityDoor: FrontDoor<DeityReplyContext, DeityConfig, Pick<DeityDependencies, 'deity'>> = {
  name: DEITY_DOOR,
  workflows: require.resolve('./workflows'),
  settings: deitySettings,
  dependencies: (config) => ({ deity: deitySettingsOf(config) }),
  routes: deityRoutes,
  commands: (kit) => [deityCommand(kit)],
  worker({ config, temporal, logger }) {
    const publisher = createProfilePublisher({
      url: config.AMQP_URL,
      serviceUsers: [...deitySettingsOf(config).profiles.keys()],
      logger,
    });
    return {
      reporter: createDeityReporter(temporal, () => publisher),
      // The broker's connection would otherwise keep the process alive once the worker has stopped.
      close: () => publisher.close(),
    };
  },
  api(services, config) {
    return startOrderUpdateConsumer(services, config);
  },
};
