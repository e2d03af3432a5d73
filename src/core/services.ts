import { ConfigError } from './errors.js';

/**
 * Late-bound registry of the services capabilities offer each other. A module provides its
 * services when it is built and looks others up when it needs them (at call time), so modules can
 * be built in any order and a deployment may leave a capability out.
 */
export class ServiceRegistry<M extends object> {
  private readonly services = new Map<keyof M, unknown>();
  private readonly lists = new Map<string, unknown[]>();

  provide<K extends keyof M>(name: K, service: M[K]): void {
    if (this.services.has(name)) throw new ConfigError(`service ${String(name)} provided twice`);
    this.services.set(name, service);
  }

  /** Throws when no module provides it: a capability this deployment left out. */
  get<K extends keyof M>(name: K): M[K] {
    const s = this.services.get(name);
    if (s === undefined) throw new ConfigError(`The ${String(name)} capability is not enabled in this deployment.`);
    return s as M[K];
  }

  maybe<K extends keyof M>(name: K): M[K] | undefined {
    return this.services.get(name) as M[K] | undefined;
  }

  /** Extension lists (stage kinds, deploy guards): many modules add, one consumes. */
  add<T>(list: string, item: T): void {
    this.lists.set(list, [...(this.lists.get(list) ?? []), item]);
  }

  list<T>(list: string): T[] {
    return [...((this.lists.get(list) ?? []) as T[])];
  }
}
