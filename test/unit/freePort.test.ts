import { freePort } from '../../config/server';

/**
 * A process asks for several ports before it binds them (a stack's simulators, API and servers): each must be
 * another. The system hands out a port it just handed out again (here, within a few hundred asks, most runs).
 */
describe('freePort', () => {
  it('never hands out the same port twice in a process, asked one after another or at once', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i += 1) ports.push(await freePort());
    ports.push(...(await Promise.all(Array.from({ length: 50 }, () => freePort()))));
    expect(new Set(ports).size).toBe(ports.length);
  });
});
