/** Mocha root hooks: real Kafka and Redis for the whole run (see infra.ts). */
import { Infra, startInfra } from './infra';

let infra: Infra | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(240_000);
    infra = await startInfra();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await infra?.stop();
  },
};
